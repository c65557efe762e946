/*
 * proc_binds: routes to another process's /proc entry through mounts made by the program (red-team
 * report R1 #1, bindmem2.c, bindfile.c, procroutes.c). In a mount namespace of its own (and a user
 * namespace too with "userns"), it mounts a copy of /proc/TARGET (or of one of its files) elsewhere
 * and opens the entry there. Prints one line per route: "READ" (the bytes were read), "OPEN" (mem
 * opened O_RDWR: nothing is written) or the errno's name.
 *
 *   proc_binds DIR TARGET|parent [userns]
 *
 * DIR is a directory the program may write, for its mount points; TARGET a pid, or "parent".
 * The program's own entry (a bind of /proc/self) is read the same way, as a control.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proc_routes.h"

#define OPEN_TREE 428
#define MOVE_MOUNT 429
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

static char dir[200];

/** Opens path O_RDWR and closes it at once: OPEN or the errno. */
static void openRdwr(const char *route, const char *path) {
    int fd = open(path, O_RDWR | O_CLOEXEC);
    printf("%s = %s\n", route, fd < 0 ? name(errno) : "OPEN");
    if (fd >= 0) {
        close(fd);
    }
}

/** A new directory DIR/name (mode 0755), its path in out. */
static const char *mountPoint(const char *n, char *out, size_t size, int file) {
    snprintf(out, size, "%s/%s", dir, n);
    if (file) {
        close(open(out, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
    } else {
        mkdir(out, 0755);
    }
    return out;
}

static int bindOnto(const char *src, const char *dst) {
    if (mount(src, dst, NULL, MS_BIND, NULL) < 0) {
        printf("bind %s = %s\n", src, name(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: proc_binds DIR TARGET|parent [userns]\n");
        return 2;
    }
    snprintf(dir, sizeof dir, "%s", argv[1]);
    int target = strcmp(argv[2], "parent") == 0 ? getppid() : atoi(argv[2]);
    char src[128], p[600], m[300];
    if (argc > 3 && strcmp(argv[3], "userns") == 0) {
        uid_t u = getuid();
        gid_t g = getgid();
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
            printf("unshare = %s\n", name(errno));
            return 1;
        }
        writeFile("/proc/self/setgroups", "deny");
        snprintf(p, sizeof p, "0 %d 1", u);
        writeFile("/proc/self/uid_map", p);
        snprintf(p, sizeof p, "0 %d 1", g);
        writeFile("/proc/self/gid_map", p);
    } else if (unshare(CLONE_NEWNS) < 0) {
        printf("unshare = %s\n", name(errno));
        return 1;
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        printf("private = %s\n", name(errno));
        return 1;
    }

    // The process's directory mounted elsewhere, and the routes through it.
    snprintf(src, sizeof src, "/proc/%d", target);
    mountPoint("dir", m, sizeof m, 0);
    if (bindOnto(src, m) == 0) {
        snprintf(p, sizeof p, "%s/status", m);
        readAt("dir bind status", AT_FDCWD, p);
        snprintf(p, sizeof p, "%s/environ", m);
        readAt("dir bind environ", AT_FDCWD, p);
        snprintf(p, sizeof p, "%s/maps", m);
        readAt("dir bind maps", AT_FDCWD, p);
        snprintf(p, sizeof p, "%s/mem", m);
        openRdwr("dir bind mem O_RDWR", p);
        snprintf(p, sizeof p, "%s/task/%d/environ", m, target);
        readAt("dir bind task environ", AT_FDCWD, p);
        int d = open(m, O_PATH | O_DIRECTORY | O_CLOEXEC);
        readAt("dir bind dirfd environ", d, "environ");
        if (d >= 0 && fchdir(d) == 0) {
            readAt("dir bind cwd environ", AT_FDCWD, "environ");
            if (chdir("/") < 0) {
                perror("chdir");
            }
        }
        if (d >= 0) {
            close(d);
        }
    }

    // A thread's directory.
    snprintf(src, sizeof src, "/proc/%d/task/%d", target, target);
    mountPoint("task", m, sizeof m, 0);
    if (bindOnto(src, m) == 0) {
        snprintf(p, sizeof p, "%s/environ", m);
        readAt("task bind environ", AT_FDCWD, p);
    }

    // One file mounted over a regular file.
    snprintf(src, sizeof src, "/proc/%d/environ", target);
    mountPoint("environ", m, sizeof m, 1);
    if (bindOnto(src, m) == 0) {
        readAt("file bind environ", AT_FDCWD, m);
    }
    snprintf(src, sizeof src, "/proc/%d/mem", target);
    mountPoint("mem", m, sizeof m, 1);
    if (bindOnto(src, m) == 0) {
        openRdwr("file bind mem O_RDWR", m);
    }

    // A detached copy of the directory, attached by move_mount.
    snprintf(src, sizeof src, "/proc/%d", target);
    int tree = syscall(OPEN_TREE, AT_FDCWD, src, OPEN_TREE_CLONE | O_CLOEXEC);
    if (tree < 0) {
        printf("open_tree = %s\n", name(errno));
    } else {
        readAt("open_tree dirfd environ", tree, "environ");
        mountPoint("moved", m, sizeof m, 0);
        if (syscall(MOVE_MOUNT, tree, "", AT_FDCWD, m, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
            printf("move_mount = %s\n", name(errno));
        } else {
            snprintf(p, sizeof p, "%s/environ", m);
            readAt("move_mount environ", AT_FDCWD, p);
        }
        close(tree);
    }

    // The process's directory mounted over the program's own, named as the program's own.
    snprintf(p, sizeof p, "/proc/%d", getpid());
    if (bindOnto(src, p) == 0) {
        snprintf(p, sizeof p, "/proc/%d/environ", getpid());
        readAt("over own environ", AT_FDCWD, p);
        snprintf(p, sizeof p, "/proc/%d", getpid());
        umount2(p, MNT_DETACH);
    }

    // Control: the program's own directory, mounted elsewhere.
    snprintf(src, sizeof src, "/proc/%d", getpid());
    mountPoint("own", m, sizeof m, 0);
    if (bindOnto(src, m) == 0) {
        snprintf(p, sizeof p, "%s/environ", m);
        readAt("own bind environ", AT_FDCWD, p);
        snprintf(p, sizeof p, "%s/mem", m);
        openRdwr("own bind mem O_RDWR", p);
    }
    return 0;
}

/*
 * proc_relative: another process's /proc entry reached, through a mount the program made, by a
 * name relative to a directory rather than by an absolute path (red-team report R1 F1, F2:
 * procfake_mem.py, procfake.py, procfake_ns.py, unseen_name.py): a descriptor of the directory, the
 * working directory, a magic link (/proc/self/fd/N, in the program's own /proc) and a ".." out of a mount onto the directory.
 * Prints one line per route: "READ" (the bytes were read), "SECRET" (they hold SECRET=), "OPEN"
 * (mem opened O_RDWR: nothing is written) or the errno's name.
 *
 *   proc_relative DIR second TARGET|parent
 *       In a mount namespace of its own: a tmpfs at DIR/m (its root's inode is 1, as a procfs
 *       root's), a second procfs at DIR/m/p and its TARGET directory bound on DIR/m/d; then
 *       TARGET's and the program's own directories named in that procfs (the latter a control).
 *       As root.
 *   proc_relative DIR container PID
 *       Joins the user and mount namespaces of process PID (pidfd_open, setns: a rootless
 *       container of the same user), then reads the container's process 1's environ through a
 *       bind of /proc/1 on a tmpfs at DIR/c/d and through a bind of /proc/1 over /proc/sys.
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

/** The program's own /proc, opened before it joins another mount namespace. */
static int ownProc = -1;

static const char *name(int e) {
    const char *n = strerrorname_np(e);
    return n ? n : "?";
}

/** Reads what dirfd/path names: SECRET or READ, or the errno of the open or of the read. */
static void readAt(const char *route, int dirfd, const char *path) {
    char b[65536];
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        printf("%s = %s\n", route, name(errno));
        return;
    }
    ssize_t n = read(fd, b, sizeof b - 1);
    close(fd);
    if (n < 0) {
        printf("%s = %s\n", route, name(errno));
        return;
    }
    int secret = memmem(b, n, "SECRET=", 7) != NULL;
    printf("%s = %s\n", route, secret ? "SECRET" : "READ");
}

/** Opens dirfd/path O_RDWR and closes it at once: OPEN or the errno. */
static void openRdwrAt(const char *route, int dirfd, const char *path) {
    int fd = openat(dirfd, path, O_RDWR | O_CLOEXEC);
    printf("%s = %s\n", route, fd < 0 ? name(errno) : "OPEN");
    if (fd >= 0) {
        close(fd);
    }
}

static int mountOr(const char *src, const char *dst, const char *type, unsigned long flags) {
    if (mount(src, dst, type, flags, NULL) < 0) {
        printf("mount %s = %s\n", dst, name(errno));
        return -1;
    }
    return 0;
}

/** The routes from the directory d (a bound process's directory), each relative to it. */
static void routes(const char *label, const char *d, int mem) {
    char route[200], p[600];
    int dfd = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        printf("%s open = %s\n", label, name(errno));
        return;
    }
    snprintf(route, sizeof route, "%s dirfd environ", label);
    readAt(route, dfd, "environ");
    if (fchdir(dfd) == 0) {
        snprintf(route, sizeof route, "%s cwd environ", label);
        readAt(route, AT_FDCWD, "environ");
        if (mem) {
            snprintf(route, sizeof route, "%s cwd maps", label);
            readAt(route, AT_FDCWD, "maps");
            snprintf(route, sizeof route, "%s cwd mem O_RDWR", label);
            openRdwrAt(route, AT_FDCWD, "mem");
        }
        if (chdir("/") < 0) {
            perror("chdir");
        }
    }
    snprintf(route, sizeof route, "%s magic link environ", label);
    snprintf(p, sizeof p, "self/fd/%d/environ", dfd);
    readAt(route, ownProc, p);
    // A tmpfs over the directory's attr/, then ".." out of it onto the directory.
    snprintf(p, sizeof p, "%s/attr", d);
    if (mountOr("t", p, "tmpfs", 0) == 0) {
        if (chdir(p) == 0) {
            snprintf(route, sizeof route, "%s dotdot environ", label);
            readAt(route, AT_FDCWD, "../environ");
            if (chdir("/") < 0) {
                perror("chdir");
            }
        }
        umount2(p, MNT_DETACH);
    }
    close(dfd);
}

static int second(const char *dir, int target) {
    char m[300], p[400], src[420];
    if (unshare(CLONE_NEWNS) < 0) {
        printf("unshare = %s\n", name(errno));
        return 1;
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        printf("private = %s\n", name(errno));
        return 1;
    }
    snprintf(m, sizeof m, "%s/m", dir);
    mkdir(m, 0755);
    if (mountOr("t", m, "tmpfs", 0) < 0) {
        return 1;
    }
    snprintf(p, sizeof p, "%s/p", m);
    mkdir(p, 0755);
    if (mountOr("proc", p, "proc", 0) < 0) {
        return 1;
    }
    snprintf(src, sizeof src, "%s/%d", p, target);
    snprintf(p, sizeof p, "%s/d", m);
    mkdir(p, 0755);
    if (mountOr(src, p, NULL, MS_BIND) < 0) {
        return 1;
    }
    routes("second procfs", p, 1);
    // The same directory, and the program's own, named in the second procfs itself.
    snprintf(p, sizeof p, "%s/p/%d", m, target);
    if (chdir(p) == 0) {
        readAt("second procfs direct cwd environ", AT_FDCWD, "environ");
    }
    snprintf(p, sizeof p, "%s/p/%d", m, getpid());
    if (chdir(p) == 0) {
        readAt("own direct cwd environ", AT_FDCWD, "environ");
    }
    if (chdir("/") < 0) {
        perror("chdir");
    }
    return 0;
}

static int container(const char *dir, int pid) {
    char c[300], d[400];
    int pfd = syscall(SYS_pidfd_open, pid, 0);
    if (pfd < 0 || setns(pfd, CLONE_NEWUSER | CLONE_NEWNS) < 0) {
        printf("join = %s\n", name(errno));
        return 1;
    }
    close(pfd);
    snprintf(c, sizeof c, "%s/c", dir);
    mkdir(c, 0755);
    if (mountOr("t", c, "tmpfs", 0) < 0) {
        return 1;
    }
    snprintf(d, sizeof d, "%s/d", c);
    mkdir(d, 0755);
    if (mountOr("/proc/1", d, NULL, MS_BIND) == 0) {
        routes("tmpfs bind", d, 0);
        umount2(d, MNT_DETACH);
    }
    umount2(c, MNT_DETACH);
    if (mountOr("/proc/1", "/proc/sys", NULL, MS_BIND) == 0) {
        routes("over sys", "/proc/sys", 0);
        umount2("/proc/sys", MNT_DETACH);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: proc_relative DIR second TARGET|parent | DIR container PID\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    ownProc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (strcmp(argv[2], "second") == 0) {
        return second(argv[1], strcmp(argv[3], "parent") == 0 ? getppid() : atoi(argv[3]));
    }
    if (strcmp(argv[2], "container") == 0) {
        return container(argv[1], atoi(argv[3]));
    }
    fprintf(stderr, "proc_relative: unknown mode %s\n", argv[2]);
    return 2;
}

/*
 * umount_after_use: uses a bind mount the way a script does, then unmounts it once, with no
 * retry: a mount the program no longer uses unmounts at once natively (no EBUSY), and must under
 * seccheck too, which must hold nothing of it once a call is answered.
 *
 *   umount_after_use DIR ROUNDS [ns]
 *
 * DIR holds src/present (a file, the caller's), src/interpreted (interpreted.c, linked with its
 * ELF interpreter at DIR/mnt/ld.so, a copy of the system's in src) and out/. For each use of the
 * mount (an open of a missing name there, ENOENT; an open of the file, closed at once; a stat; a
 * chmod; a listing; a chdir into it, an open by a relative name and a chdir out; a run of
 * interpreted, whose ELF interpreter is there, waited for), ROUNDS rounds each bind-mount
 * DIR/src on DIR/mnt, make that use, and unmount DIR/mnt at once, once (a busy mount is then
 * detached, so that the next round starts clean). With "ns" the program first makes a user and
 * mount namespace of its own (where uid 65534 may mount). Prints "USE: EBUSY N of ROUNDS" per
 * use, and each failure but EBUSY.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t) strlen(text)) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        exit(1);
    }
    close(fd);
}

static void own_namespaces(void) {
    char map[64];
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
        perror("unshare");
        exit(1);
    }
    write_file("/proc/self/setgroups", "deny");
    snprintf(map, sizeof map, "0 %u 1", uid);
    write_file("/proc/self/uid_map", map);
    snprintf(map, sizeof map, "0 %u 1", gid);
    write_file("/proc/self/gid_map", map);
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        perror("mount private");
        exit(1);
    }
}

enum { MISSING, PRESENT, STAT, CHMOD, LIST, CWD, EXEC, OPS };
static const char *const NAMES[OPS] = {"open missing", "open present", "stat", "chmod", "list", "chdir in and out",
                                       "exec"};

static char mnt[512], out[512], missing[600], present[600], interpreted[600];

/* One use of the mount, the last call before the unmount. */
static void use(int op) {
    struct stat st;
    int fd;
    DIR *d;
    switch (op) {
    case MISSING:
        if (open(missing, O_RDONLY) >= 0 || errno != ENOENT) {
            printf("open missing: not ENOENT\n");
        }
        break;
    case PRESENT:
        fd = open(present, O_RDONLY);
        if (fd < 0) {
            perror("open present");
        } else {
            close(fd);
        }
        break;
    case STAT:
        if (stat(present, &st) != 0) {
            perror("stat");
        }
        break;
    case CHMOD:
        if (chmod(present, 0644) != 0) {
            perror("chmod");
        }
        break;
    case LIST:
        d = opendir(mnt);
        if (d == NULL) {
            perror("opendir");
        } else {
            while (readdir(d) != NULL) {
            }
            closedir(d);
        }
        break;
    case CWD:
        if (chdir(mnt) != 0) {
            perror("chdir in");
        }
        fd = open("present", O_RDONLY);
        if (fd < 0) {
            perror("open relative");
        } else {
            close(fd);
        }
        if (chdir(out) != 0) {
            perror("chdir out");
        }
        break;
    case EXEC: {
        pid_t child = fork();
        if (child == 0) {
            execl(interpreted, "interpreted", (char *) NULL);
            perror("exec");
            _exit(127);
        }
        int status;
        if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("exec: did not run\n");
        }
        break;
    }
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: umount_after_use DIR ROUNDS [ns]\n");
        return 2;
    }
    if (argc > 3 && strcmp(argv[3], "ns") == 0) {
        own_namespaces();
    }
    char src[512];
    snprintf(src, sizeof src, "%s/src", argv[1]);
    snprintf(mnt, sizeof mnt, "%s/mnt", argv[1]);
    snprintf(out, sizeof out, "%s/out", argv[1]);
    snprintf(missing, sizeof missing, "%s/missing", mnt);
    snprintf(present, sizeof present, "%s/present", mnt);
    snprintf(interpreted, sizeof interpreted, "%s/interpreted", mnt);
    int rounds = atoi(argv[2]);
    mkdir(mnt, 0755);
    for (int op = 0; op < OPS; op++) {
        int busy = 0;
        for (int i = 0; i < rounds; i++) {
            if (mount(src, mnt, NULL, MS_BIND, NULL) != 0) {
                perror("mount");
                return 1;
            }
            use(op);
            if (umount2(mnt, 0) != 0) {
                if (errno != EBUSY) {
                    perror("umount2");
                    return 1;
                }
                busy++;
                if (umount2(mnt, MNT_DETACH) != 0) {
                    perror("umount2 detach");
                    return 1;
                }
            }
        }
        printf("%s: EBUSY %d of %d\n", NAMES[op], busy, rounds);
    }
    return 0;
}

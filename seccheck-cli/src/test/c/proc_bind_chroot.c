/*
 * proc_bind_chroot DIR JAIL: a part of procfs mounted outside the program's root. In a mount
 * namespace of its own (and a user namespace too when not root), it bind-mounts its own
 * /proc/PID onto DIR/own, its own /proc/PID/status onto the file DIR/status and its parent's
 * /proc/PPID onto DIR/parent, keeps a descriptor of DIR/own and of DIR/parent, makes DIR its
 * working directory, and chroots into JAIL, a plain directory (no mount point) elsewhere, without
 * leaving DIR. Its root then no longer holds the mounts, which the kernel leaves out of its
 * mountinfo; it still reaches them, through its working directory and its descriptors. Prints one
 * line per route: "READ" (the bytes were read) or the errno's name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc_routes.h"

/** Bind-mounts src onto DIR/n, made first (a file when file is set); -1 on failure, said. */
static int bindOnto(const char *dir, const char *src, const char *n, int file) {
    char dst[600];
    snprintf(dst, sizeof dst, "%s/%s", dir, n);
    if (file) {
        close(open(dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
    } else {
        mkdir(dst, 0755);
    }
    if (mount(src, dst, NULL, MS_BIND, NULL) < 0) {
        printf("bind %s = %s\n", src, name(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: proc_bind_chroot DIR JAIL\n");
        return 2;
    }
    const char *dir = argv[1];
    uid_t uid = getuid();
    gid_t gid = getgid();
    pid_t parent = getppid();
    if (unshare(CLONE_NEWNS | (uid == 0 ? 0 : CLONE_NEWUSER)) != 0) {
        printf("unshare = %s\n", name(errno));
        return 1;
    }
    if (uid != 0) {
        char line[64];
        writeFile("/proc/self/setgroups", "deny");
        snprintf(line, sizeof line, "0 %d 1", (int) uid);
        writeFile("/proc/self/uid_map", line);
        snprintf(line, sizeof line, "0 %d 1", (int) gid);
        writeFile("/proc/self/gid_map", line);
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        printf("private = %s\n", name(errno));
        return 1;
    }
    char src[64];
    snprintf(src, sizeof src, "/proc/%d", getpid());
    if (bindOnto(dir, src, "own", 0) < 0) {
        return 1;
    }
    snprintf(src, sizeof src, "/proc/%d/status", getpid());
    if (bindOnto(dir, src, "status", 1) < 0) {
        return 1;
    }
    snprintf(src, sizeof src, "/proc/%d", parent);
    if (bindOnto(dir, src, "parent", 0) < 0) {
        return 1;
    }
    char p[600];
    snprintf(p, sizeof p, "%s/own", dir);
    int own = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
    snprintf(p, sizeof p, "%s/parent", dir);
    int theirs = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (own < 0 || theirs < 0 || chdir(dir) != 0) {
        perror(dir);
        return 1;
    }
    if (chroot(argv[2]) != 0) {
        printf("chroot = %s\n", name(errno));
        return 1;
    }
    readAt("own dirfd status", own, "status");
    readAt("own dirfd environ", own, "environ");
    readAt("own cwd status", AT_FDCWD, "own/status");
    readAt("own cwd environ", AT_FDCWD, "own/environ");
    readAt("own file bind status", AT_FDCWD, "status");
    // Control: the parent's (seccheck's, under seccheck) entries show only what anyone may read.
    readAt("parent dirfd status", theirs, "status");
    readAt("parent cwd status", AT_FDCWD, "parent/status");
    readAt("parent dirfd environ", theirs, "environ");
    readAt("parent cwd environ", AT_FDCWD, "parent/environ");
    return 0;
}

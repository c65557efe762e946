/*
 * What the programs that reach /proc entries through mounts (proc_binds.c, proc_bind_chroot.c)
 * print for each route: "READ" when the bytes were read, else the errno's name.
 */
#ifndef PROC_ROUTES_H
#define PROC_ROUTES_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static inline const char *name(int e) {
    const char *n = strerrorname_np(e);
    return n ? n : "?";
}

/** Reads what dirfd/path names: READ or the errno of the open or of the read. */
static inline void readAt(const char *route, int dirfd, const char *path) {
    char b[4096];
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        printf("%s = %s\n", route, name(errno));
        return;
    }
    ssize_t n = read(fd, b, sizeof b);
    printf("%s = %s\n", route, n < 0 ? name(errno) : "READ");
    close(fd);
}

/** Writes s to the file f (a user namespace's maps), saying on stderr what failed. */
static inline void writeFile(const char *f, const char *s) {
    int fd = open(f, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, s, strlen(s)) < 0) {
        perror(f);
    }
    if (fd >= 0) {
        close(fd);
    }
}

#endif

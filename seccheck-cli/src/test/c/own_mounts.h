/*
 * A mount namespace of the program's own, for the test programs that make mounts there
 * (mount_names.c, mount_point_names.c): own_mounts() unshares one (in a user namespace of its own,
 * mapping the caller's ids to root, when not run as root) and makes every mount in it private;
 * 0, or -1 with errno. write_file() writes a /proc file such as uid_map, reporting a failure.
 */
#ifndef OWN_MOUNTS_H
#define OWN_MOUNTS_H

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static void write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (write(fd, text, strlen(text)) < 0) {
            perror(path);
        }
        close(fd);
    }
}

static int own_mounts(void) {
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (uid != 0) {
        char map[64];
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
            return -1;
        }
        write_file("/proc/self/setgroups", "deny");
        snprintf(map, sizeof map, "0 %u 1", uid);
        write_file("/proc/self/uid_map", map);
        snprintf(map, sizeof map, "0 %u 1", gid);
        write_file("/proc/self/gid_map", map);
    } else if (unshare(CLONE_NEWNS) != 0) {
        return -1;
    }
    return mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

#endif

/*
 * security_xattr_userns DIR: in a user and mount namespace of its own (its user mapped to root
 * there), mounts a tmpfs on DIR, makes a file with a security.kept attribute, drops every
 * capability, then sets security.new and removes security.kept on it. Without CAP_SYS_ADMIN over
 * the tmpfs's user namespace (the program's own), the kernel refuses both. Prints each result:
 * "set security.new: Operation not permitted", or "... ok".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

static void write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0 || write(fd, text, strlen(text)) < 0) {
        perror(path);
        exit(1);
    }
    close(fd);
}

static const char *result(int r) {
    return r == 0 ? "ok" : strerror(errno);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: security_xattr_userns DIR\n");
        return 2;
    }
    char map[64], file[4096];
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
        perror("unshare");
        return 1;
    }
    write_file("/proc/self/setgroups", "deny");
    snprintf(map, sizeof map, "0 %u 1", uid);
    write_file("/proc/self/uid_map", map);
    snprintf(map, sizeof map, "0 %u 1", gid);
    write_file("/proc/self/gid_map", map);
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 || mount("none", argv[1], "tmpfs", 0, "mode=0755") != 0) {
        perror("mount");
        return 1;
    }
    snprintf(file, sizeof file, "%s/f", argv[1]);
    int fd = open(file, O_CREAT | O_RDWR, 0644);
    if (fd < 0 || setxattr(file, "security.kept", "1", 1, 0) != 0) {
        perror("with every capability");
        return 1;
    }
    close(fd);
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct none[2] = {{0, 0, 0}, {0, 0, 0}};
    if (syscall(SYS_capset, &header, none) != 0) {
        perror("capset");
        return 1;
    }
    printf("set security.new: %s\n", result(setxattr(file, "security.new", "1", 1, 0)));
    printf("remove security.kept: %s\n", result(removexattr(file, "security.kept")));
    return 0;
}

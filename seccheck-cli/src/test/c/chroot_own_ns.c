/*
 * chroot_own_ns TREE: in a mount namespace of its own (and, when not root, a user namespace of
 * its own too), chroots into TREE, a plain directory (no mount point), and reads /etc/hostname,
 * /abs (an absolute symlink to it), etc/hostname (relative) and /secret there, printing
 * "NAME: CONTENT" or "NAME: ERROR" for each; then runs /bin/chroot_own_ns of the tree (itself,
 * linked statically) with the argument "ran", which prints "exec: ran".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void map(const char *file, const char *line) {
    int fd = open(file, O_WRONLY);
    if (fd < 0 || write(fd, line, strlen(line)) < 0) {
        perror(file);
    }
    if (fd >= 0) {
        close(fd);
    }
}

static void show(const char *name) {
    char buf[256];
    int fd = open(name, O_RDONLY);
    if (fd < 0) {
        printf("%s: %s\n", name, strerror(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    buf[strcspn(buf, "\n")] = 0;
    printf("%s: %s\n", name, buf);
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "ran") == 0) {
        printf("exec: ran\n");
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: chroot_own_ns TREE\n");
        return 2;
    }
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWNS | (uid == 0 ? 0 : CLONE_NEWUSER)) != 0) {
        perror("unshare");
        return 1;
    }
    if (uid != 0) {
        char line[64];
        map("/proc/self/setgroups", "deny");
        snprintf(line, sizeof line, "0 %d 1", (int) uid);
        map("/proc/self/uid_map", line);
        snprintf(line, sizeof line, "0 %d 1", (int) gid);
        map("/proc/self/gid_map", line);
    }
    if (chroot(argv[1]) != 0 || chdir("/") != 0) {
        perror("chroot");
        return 1;
    }
    show("/etc/hostname");
    show("/abs");
    show("etc/hostname");
    show("/secret");
    fflush(stdout);
    char *args[] = {"chroot_own_ns", "ran", NULL};
    execv("/bin/chroot_own_ns", args);
    printf("exec: %s\n", strerror(errno));
    return 1;
}

// Two ways a program made seccheck name a file it opened by a name of the program's choosing,
// through mounts of a mount namespace of its own (and, unprivileged, a user namespace):
//
//   mount_names memfd FILE DIR    a tmpfs on DIR holds a file named "memfd:kept", over which FILE
//                                 is bound; DIR is cloned into a detached tree (open_tree), where
//                                 the kernel names the file "/memfd:kept", as it names a memfd;
//                                 prints what reading it there gives
//   mount_names chroot BASE N     BASE is bound at BASE/lay/ws/ws and BASE/secret opened N times
//                                 through that mount while a second thread moves the root between
//                                 BASE/lay and BASE/lay/ws (the program's mount table names mount
//                                 points from its root at the moment it is read); prints how many
//                                 opens read the secret
//
// Each prints "setup: ..." and exits 2 if it cannot make its mounts.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "own_mounts.h"

static int setup_failed(const char *what) {
    printf("setup: %s: %s\n", what, strerror(errno));
    return 2;
}

static int memfd_named(const char *file, const char *dir) {
    char name[4096];
    snprintf(name, sizeof name, "%s/memfd:kept", dir);
    if (own_mounts() != 0) {
        return setup_failed("namespaces");
    }
    if (mount("own", dir, "tmpfs", 0, NULL) != 0) {
        return setup_failed("tmpfs");
    }
    int made = open(name, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (made < 0) {
        return setup_failed("mount point");
    }
    close(made);
    if (mount(file, name, NULL, MS_BIND, NULL) != 0) {
        return setup_failed("bind");
    }
    int tree = syscall(SYS_open_tree, AT_FDCWD, dir, OPEN_TREE_CLONE | AT_RECURSIVE | OPEN_TREE_CLOEXEC);
    if (tree < 0) {
        return setup_failed("open_tree");
    }
    int fd = openat(tree, "memfd:kept", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        printf("open: %s\n", strerror(errno));
        return 0;
    }
    char text[256];
    ssize_t n = read(fd, text, sizeof text - 1);
    text[n > 0 ? n : 0] = 0;
    printf("read: %s", text);
    return 0;
}

static volatile int done;

static void *move_the_root(void *unused) {
    (void) unused;
    while (!done) {
        if (chroot("ws") != 0 || chroot(".") != 0) {
            perror("chroot");
            return NULL;
        }
    }
    return NULL;
}

static int chroot_race(const char *base, int attempts) {
    char lay[4096], point[4096];
    snprintf(lay, sizeof lay, "%s/lay", base);
    snprintf(point, sizeof point, "%s/lay/ws/ws", base);
    if (own_mounts() != 0) {
        return setup_failed("namespaces");
    }
    if (mount(base, point, NULL, MS_BIND, NULL) != 0) {
        return setup_failed("bind");
    }
    int top = syscall(SYS_open_tree, AT_FDCWD, point, OPEN_TREE_CLOEXEC);
    if (top < 0) {
        return setup_failed("mount's root");
    }
    if (chdir(lay) != 0) {
        return setup_failed("chdir");
    }
    pthread_t mover;
    pthread_create(&mover, NULL, move_the_root, NULL);
    int read_it = 0;
    for (int i = 0; i < attempts; i++) {
        int fd = openat(top, "secret", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            char c;
            read_it += read(fd, &c, 1) == 1;
            close(fd);
        }
    }
    done = 1;
    pthread_join(mover, NULL);
    printf("read %d of %d\n", read_it, attempts);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "memfd") == 0) {
        return memfd_named(argv[2], argv[3]);
    }
    if (argc == 4 && strcmp(argv[1], "chroot") == 0) {
        return chroot_race(argv[2], atoi(argv[3]));
    }
    fprintf(stderr, "usage: mount_names memfd FILE DIR | chroot BASE N\n");
    return 2;
}

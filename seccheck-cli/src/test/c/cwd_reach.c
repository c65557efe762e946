/*
 * Tries to make a directory a process outside the run holds open (TARGET, its /proc/PID/fd/N link)
 * the working directory or root, and to read SECRET below it by a relative (or, after chroot,
 * absolute) name. Writes "READ <text>" for each read that got something, as it happens, and at
 * the end "tries=T other=O entered=E read=R": O_PATH descriptors of TARGET's directory a raced
 * open got (fchdir), calls that made that directory the working directory (or root), and reads
 * through it.
 * Usage:
 *   cwd_reach chdir TARGET SECRET          chdir(TARGET), then open(SECRET)
 *   cwd_reach chroot TARGET SECRET         chroot(TARGET), then open("/" SECRET)
 *   cwd_reach fchdir TARGET SECRET HARMLESS TRIES
 *       O_PATH opens raced between HARMLESS and TARGET by a second thread; fchdir to each
 *   cwd_reach race TARGET SECRET HARMLESS TRIES
 *       chdir raced between HARMLESS and TARGET by a second thread
 *   cwd_reach openat TARGET SECRET HARMLESS TRIES
 *       O_PATH opens raced as for fchdir; SECRET opened relative to each descriptor (openat)
 *   cwd_reach poison TARGET SECRET HARMLESS TRIES NAME
 *       chdir(NAME) first (the directory's own name, which the program may not search), then as openat
 * The last mode counts in "harmless=H" the reads of HARMLESS's own SECRET through its descriptors.
 * The raced modes make TRIES attempts, and more (up to 100 times as many) until the race has hit once
 * (a descriptor of TARGET's directory, or a change into it): on a busy machine the second thread may
 * barely run during the first TRIES, and a run the race never hit proves nothing either way.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char path[256], target[256], harmless[256];
static volatile int stop;
static long entered, reads, other, fine;

static void *flip(void *unused) {
    (void)unused;
    while (!stop) {
        memcpy(path, target, sizeof path);
        __asm__ volatile("" ::: "memory"); /* each store made: the next one would make this one dead */
        for (volatile int i = 0; i < 50; i++) {
        }
        memcpy(path, harmless, sizeof path);
        __asm__ volatile("" ::: "memory");
        for (volatile int i = 0; i < 50; i++) {
        }
    }
    return NULL;
}

/* Reads NAME relative to DIR; reports what it got, at once, so that a kill after it still shows the read. */
static void readAt(int dir, const char *name) {
    int fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return;
    }
    char buf[128] = "READ ";
    ssize_t n = read(fd, buf + 5, sizeof buf - 7);
    close(fd);
    if (n > 0) {
        reads++;
        if (buf[5 + n - 1] != '\n') {
            buf[5 + n++] = '\n';
        }
        if (write(1, buf, 5 + n) < 0) {
            _exit(3);
        }
    }
}

/* Whether ST is of the directory TARGET's process holds (T: its stat through the link). */
static int isTarget(const struct stat *st, const struct stat *t) {
    return st->st_dev == t->st_dev && st->st_ino == t->st_ino;
}

/* Whether the working directory is the directory TARGET's process holds. A torn read of the name
 * (half rewritten) can name another directory, such as HARMLESS's parent: not counted. */
static int inTarget(const struct stat *t) {
    struct stat st;
    return stat(".", &st) == 0 && isTarget(&st, t);
}

static int report(long tries) {
    printf("tries=%ld other=%ld entered=%ld read=%ld harmless=%ld\n", tries, other, entered, reads, fine);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: cwd_reach chdir|chroot|fchdir|race TARGET SECRET [HARMLESS TRIES]\n");
        return 2;
    }
    const char *mode = argv[1], *secret = argv[3];
    strncpy(target, argv[2], sizeof target - 1);
    if (strcmp(mode, "chdir") == 0) {
        if (chdir(target) == 0) {
            entered++;
            readAt(AT_FDCWD, secret);
        } else {
            perror("chdir");
        }
        return report(1);
    }
    if (strcmp(mode, "chroot") == 0) {
        char inside[300];
        snprintf(inside, sizeof inside, "/%s", secret);
        if (chroot(target) == 0) {
            entered++;
            readAt(AT_FDCWD, inside);
        } else {
            perror("chroot");
        }
        return report(1);
    }
    if (argc < 6) {
        fprintf(stderr, "usage: cwd_reach %s TARGET SECRET HARMLESS TRIES\n", mode);
        return 2;
    }
    strncpy(harmless, argv[4], sizeof harmless - 1);
    memcpy(path, harmless, sizeof path);
    struct stat t;
    int home = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (stat(target, &t) != 0 || home < 0) {
        perror("target");
        return 1;
    }
    long tries = atol(argv[5]);
    int fchdirs = strcmp(mode, "fchdir") == 0, openats = strcmp(mode, "openat") == 0;
    if (strcmp(mode, "poison") == 0) {
        if (argc < 7) {
            fprintf(stderr, "usage: cwd_reach poison TARGET SECRET HARMLESS TRIES NAME\n");
            return 2;
        }
        if (chdir(argv[6]) == 0) {
            fprintf(stderr, "chdir %s: it worked\n", argv[6]);
            return 1;
        }
        openats = 1;
    }
    pthread_t flipper;
    pthread_create(&flipper, NULL, flip, NULL);
    long made = 0;
    for (; made < tries || (other + entered == 0 && made < 100 * tries); made++) {
        if (openats) {
            int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
            struct stat st;
            if (fd < 0 || fstat(fd, &st) != 0) {
                continue;
            }
            if (isTarget(&st, &t)) {
                other++;
                readAt(fd, secret);
            } else {
                int in = openat(fd, secret, O_RDONLY | O_CLOEXEC);
                if (in >= 0) {
                    fine++;
                    close(in);
                }
            }
            close(fd);
            continue;
        }
        int changed;
        if (fchdirs) {
            int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
            struct stat st;
            if (fd >= 0 && fstat(fd, &st) == 0 && isTarget(&st, &t)) {
                other++;
            }
            changed = fd >= 0 && fchdir(fd) == 0;
            if (fd >= 0) {
                close(fd);
            }
        } else {
            changed = chdir(path) == 0;
        }
        if (changed && inTarget(&t)) {
            entered++;
            readAt(AT_FDCWD, secret);
        }
        if (changed && fchdir(home) != 0) {
            perror("fchdir home");
            return 1;
        }
    }
    stop = 1;
    pthread_join(flipper, NULL);
    return report(made);
}

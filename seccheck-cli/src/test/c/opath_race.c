/*
 * Races O_PATH opens against a thread that rewrites their path between a harmless file and TARGET
 * (a descriptor link of a process outside the run, /proc/PID/fd/N), and reopens through
 * /proc/self/fd/M each O_PATH descriptor it got, reading what the reopen gives. Prints
 * "tries=T other=O read=R harmless=H": descriptors of another object than the harmless file,
 * reopens of them that read something, and reopens of the harmless file's that worked.
 * It makes TRIES attempts, and more (up to 100 times as many) until one got another object: on a busy
 * machine the second thread may barely run during the first TRIES, and a race that never hit proves
 * nothing either way.
 * Usage: opath_race TARGET HARMLESS TRIES
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

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: opath_race TARGET HARMLESS TRIES\n");
        return 2;
    }
    strncpy(target, argv[1], sizeof target - 1);
    strncpy(harmless, argv[2], sizeof harmless - 1);
    memcpy(path, harmless, sizeof path);
    struct stat h;
    if (stat(harmless, &h) != 0) {
        perror("stat");
        return 1;
    }
    long tries = atol(argv[3]), other = 0, read_ = 0, fine = 0;
    pthread_t t;
    pthread_create(&t, NULL, flip, NULL);
    long made = 0;
    for (; made < tries || (other == 0 && made < 100 * tries); made++) {
        int fd = open(path, O_PATH | O_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        struct stat st;
        int theirs = fstat(fd, &st) == 0 && (st.st_dev != h.st_dev || st.st_ino != h.st_ino);
        char self[64];
        snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
        int again = open(self, O_RDONLY | O_CLOEXEC);
        if (theirs) {
            other++;
            char buf[64];
            if (again >= 0 && read(again, buf, sizeof buf) > 0) {
                read_++;
            }
        } else if (again >= 0) {
            fine++;
        }
        if (again >= 0) {
            close(again);
        }
        close(fd);
    }
    stop = 1;
    pthread_join(t, NULL);
    printf("tries=%ld other=%ld read=%ld harmless=%ld\n", made, other, read_, fine);
    return 0;
}

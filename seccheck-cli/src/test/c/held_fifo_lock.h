/*
 * A FIFO's pipe lock held by the program, and an unrelated process of the run timing its opens
 * meanwhile (fifo_lock_held.c, fifo_name_race.c). The including program opens the FIFO O_RDWR into
 * ffd and makes the socketpair sv, then calls hold_fifo_lock(): a thread splices from the empty
 * socket sv[0] into the FIFO, and the kernel keeps the FIFO's pipe mutex while the splice waits for
 * data, which a child sends HOLD seconds later; a child opens /etc/passwd every 100 ms and prints
 * its worst open ("other process: worst open took N s"); "splice returned N" is printed when the
 * splice ends. Natively only an opener of that FIFO waits.
 */
#ifndef HELD_FIFO_LOCK_H
#define HELD_FIFO_LOCK_H

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static int sv[2], ffd;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void *splicer(void *arg) {
    (void) arg;
    ssize_t n = splice(sv[0], NULL, ffd, NULL, 4096, 0);
    printf("splice returned %zd\n", n);
    fflush(stdout);
    return NULL;
}

/*
 * Starts the unrelated process (its pid in *other), then the splice (its thread in *splice_thread),
 * which holds the lock from 200 ms on, for HOLD seconds.
 */
static void hold_fifo_lock(int hold, pid_t *other, pthread_t *splice_thread) {
    *other = fork();
    if (*other == 0) { /* an unrelated process of the run */
        double worst = 0;
        for (int i = 0; i < 10 * (hold + 2); i++) {
            double t = now();
            int f = open("/etc/passwd", O_RDONLY);
            close(f);
            t = now() - t;
            if (t > worst) {
                worst = t;
            }
            usleep(100000);
        }
        printf("other process: worst open took %.3f s\n", worst);
        fflush(stdout);
        _exit(0);
    }
    pthread_create(splice_thread, NULL, splicer, NULL);
    usleep(200000); /* the splice holds the FIFO's lock */
    if (fork() == 0) { /* the lock is let go HOLD seconds later */
        sleep(hold);
        write(sv[1], "x", 1);
        _exit(0);
    }
}

#endif

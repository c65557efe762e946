/*
 * A FIFO whose pipe lock the program holds, planted at a name another thread of the program is
 * opening (FifoNameRaceTest). Usage: fifo_name_race DIR HOLD create|nofollow
 * As in fifo_lock_held.c, a thread splices from an empty unix socket into DIR/fifo, held open
 * O_RDWR: the kernel keeps the FIFO's pipe mutex while the splice waits, HOLD seconds. Meanwhile,
 * round after round for HOLD - 1 s, a new thread opens DIR/x and the main thread makes DIR/x that
 * FIFO (a hard link of it, linked or renamed into place) at a random moment within the time the
 * last open that ended took:
 *   create    x is missing until planted; the open is O_CREAT|O_WRONLY (a regular file it made
 *             is removed after the round)
 *   nofollow  x is a regular file until planted; the open is O_RDONLY|O_NOFOLLOW
 * An open that looks at the name more than once (to see what it is, then to open it) is planted
 * on between the two in some rounds. An open that reaches the FIFO waits for its lock (natively,
 * only its own thread); a round whose open has not ended within 50 ms is counted as one, and after
 * MOST of them the rounds end. An unrelated child process opens /etc/passwd every 100 ms
 * meanwhile. Prints the rounds and the child's worst open.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "held_fifo_lock.h"

#define MOST 40

static int nofollow;
static char fifo[4096], reg[4096], x[4096], tmp[4096];

/* One round's open: when it began and ended (0 until then). */
struct round {
    _Atomic double began, ended;
};

static void *opener(void *arg) {
    struct round *r = arg;
    atomic_store(&r->began, now());
    int f = open(x, nofollow ? O_RDONLY | O_NOFOLLOW : O_CREAT | O_WRONLY, 0600);
    close(f);
    atomic_store(&r->ended, now());
    return NULL;
}

/* Puts x back as it is before a round: missing, or the regular file. */
static void unplant(void) {
    if (nofollow) {
        link(reg, tmp);
        rename(tmp, x);
    } else {
        unlink(x);
    }
}

int main(int argc, char **argv) {
    if (argc != 4 || (strcmp(argv[3], "create") && strcmp(argv[3], "nofollow"))) {
        fprintf(stderr, "usage: fifo_name_race DIR HOLD create|nofollow\n");
        return 2;
    }
    int hold = atoi(argv[2]);
    nofollow = !strcmp(argv[3], "nofollow");
    snprintf(fifo, sizeof fifo, "%s/fifo", argv[1]);
    snprintf(reg, sizeof reg, "%s/reg", argv[1]);
    snprintf(x, sizeof x, "%s/x", argv[1]);
    snprintf(tmp, sizeof tmp, "%s/tmp", argv[1]);
    int r = open(reg, O_CREAT | O_WRONLY, 0600);
    if (r < 0 || mkfifo(fifo, 0600) != 0 || (ffd = open(fifo, O_RDWR)) < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        perror("setup");
        return 2;
    }
    close(r);
    pid_t other;
    pthread_t splice_thread;
    hold_fifo_lock(hold, &other, &splice_thread);
    srand(getpid());
    double end = now() + hold - 1, last = 1e-3;
    int rounds = 0, waited = 0;
    pthread_t waiting[MOST];
    unplant();
    while (now() < end && waited < MOST) {
        struct round *round = calloc(1, sizeof *round);
        if (nofollow) {
            link(fifo, tmp);
        }
        pthread_t thread;
        pthread_create(&thread, NULL, opener, round);
        rounds++;
        while (atomic_load(&round->began) == 0) {
        }
        for (double at = atomic_load(&round->began) + last * rand() / RAND_MAX; now() < at;) {
        }
        if (nofollow) {
            rename(tmp, x);
        } else {
            link(fifo, x);
        }
        double give_up = now() + 0.05;
        while (atomic_load(&round->ended) == 0 && now() < give_up) {
            sched_yield();
        }
        if (atomic_load(&round->ended) == 0) {
            waiting[waited++] = thread; /* its open waits, for the FIFO's lock most likely */
        } else {
            last = atomic_load(&round->ended) - atomic_load(&round->began);
            pthread_join(thread, NULL);
            free(round);
        }
        unplant();
    }
    printf("race: %d rounds\n", rounds);
    fflush(stdout);
    for (int i = 0; i < waited; i++) {
        pthread_join(waiting[i], NULL);
    }
    pthread_join(splice_thread, NULL);
    waitpid(other, NULL, 0);
    while (wait(NULL) > 0) {
    }
    unlink(x);
    unlink(fifo);
    unlink(reg);
    return 0;
}

/*
 * Opens of a FIFO that never wait for the other end, made while the program holds the FIFO's lock,
 * under a 5 ms SIGALRM interval timer whose handler lacks SA_RESTART (FifoOpensWithoutWaitTest).
 * Natively such an open waits for the lock uninterruptibly (fs/pipe.c's fifo_open, then returns):
 * the signals wait for it, and it never fails with EINTR.
 * Usage: fifo_nonblocking_opens DIR ROUNDS
 * Makes DIR/fifo, held open O_RDWR. Each round a thread splices from an empty unix socket into the
 * FIFO, which holds its lock until another thread writes to the socket 150 ms later; meanwhile the
 * main thread opens the FIFO, in turn with O_RDONLY|O_NONBLOCK, O_WRONLY|O_NONBLOCK and O_RDWR
 * (each succeeds: the FIFO has a reader and a writer), under the timer (first signal after 50 ms).
 * Prints how many succeeded, failed with EINTR, and otherwise; natively all succeed. The SIGALRMs
 * handled go to stderr: they vary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;
static int sv[2], ffd;

static void on_alarm(int sig) {
    (void) sig;
    alarms++;
}

/* The timer's signals go to the main thread, in its open, alone. */
static void block_alarm(void) {
    sigset_t alarm;
    sigemptyset(&alarm);
    sigaddset(&alarm, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &alarm, NULL);
}

static void *splicer(void *arg) {
    (void) arg;
    block_alarm();
    if (splice(sv[0], NULL, ffd, NULL, 1, 0) != 1) {
        perror("splice");
    }
    return NULL;
}

static void *releaser(void *arg) {
    (void) arg;
    block_alarm();
    usleep(150000);
    if (write(sv[1], "x", 1) != 1) {
        perror("write");
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: fifo_nonblocking_opens DIR ROUNDS\n");
        return 2;
    }
    int rounds = atoi(argv[2]);
    char fifo[4096];
    snprintf(fifo, sizeof fifo, "%s/fifo", argv[1]);
    if (mkfifo(fifo, 0600) != 0 || (ffd = open(fifo, O_RDWR)) < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        perror("setup");
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART: an interrupted call fails with EINTR */
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval every5ms = {{0, 5000}, {0, 50000}}, off = {{0, 0}, {0, 0}};
    const int flags[] = {O_RDONLY | O_NONBLOCK, O_WRONLY | O_NONBLOCK, O_RDWR};
    int ok = 0, eintr = 0, other = 0;
    for (int i = 0; i < rounds; i++) {
        pthread_t s, r;
        pthread_create(&s, NULL, splicer, NULL);
        usleep(20000); /* the splice holds the FIFO's lock */
        pthread_create(&r, NULL, releaser, NULL);
        setitimer(ITIMER_REAL, &every5ms, NULL);
        int f = open(fifo, flags[i % 3]);
        int e = errno;
        setitimer(ITIMER_REAL, &off, NULL);
        if (f >= 0) {
            ok++;
            close(f);
        } else if (e == EINTR) {
            eintr++;
        } else {
            other++;
            fprintf(stderr, "open %d: %s\n", i, strerror(e));
        }
        pthread_join(s, NULL);
        pthread_join(r, NULL);
    }
    printf("%d opens: %d ok, %d EINTR, %d other errors\n", rounds, ok, eintr, other);
    fprintf(stderr, "%d SIGALRM handled\n", (int) alarms);
    unlink(fifo);
    return 0;
}

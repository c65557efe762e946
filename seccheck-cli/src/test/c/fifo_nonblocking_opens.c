/*
 * Opens of a FIFO that never wait for the other end, made under a 50 us SIGALRM interval timer
 * whose handler lacks SA_RESTART (FifoOpensWithoutWaitTest). Natively such an open only takes the
 * FIFO's lock, which no signal interrupts: it never fails with EINTR.
 * Usage: fifo_nonblocking_opens DIR COUNT
 * Makes DIR/fifo, then opens it COUNT times in turn with O_RDONLY|O_NONBLOCK (succeeds),
 * O_WRONLY|O_NONBLOCK (ENXIO: no reader) and O_RDWR (succeeds), each fd closed once opened.
 * Prints how many succeeded, failed with ENXIO, with EINTR, and otherwise; natively COUNT split
 * two to one between success and ENXIO, no EINTR. The SIGALRMs handled go to stderr: they vary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;

static void on_alarm(int sig) {
    (void) sig;
    alarms++;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: fifo_nonblocking_opens DIR COUNT\n");
        return 2;
    }
    int count = atoi(argv[2]);
    char fifo[4096];
    snprintf(fifo, sizeof fifo, "%s/fifo", argv[1]);
    if (mkfifo(fifo, 0600) != 0) {
        perror("mkfifo");
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART: an interrupted call fails with EINTR */
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval every50us = {{0, 50}, {0, 50}}, off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &every50us, NULL);
    const int flags[] = {O_RDONLY | O_NONBLOCK, O_WRONLY | O_NONBLOCK, O_RDWR};
    int ok = 0, enxio = 0, eintr = 0, other = 0;
    for (int i = 0; i < count; i++) {
        int f = open(fifo, flags[i % 3]);
        if (f >= 0) {
            ok++;
            close(f);
        } else if (errno == ENXIO) {
            enxio++;
        } else if (errno == EINTR) {
            eintr++;
        } else {
            other++;
        }
    }
    setitimer(ITIMER_REAL, &off, NULL);
    printf("%d opens: %d ok, %d ENXIO, %d EINTR, %d other errors\n", count, ok, enxio, eintr, other);
    fprintf(stderr, "%d SIGALRM handled\n", (int) alarms);
    unlink(fifo);
    return 0;
}

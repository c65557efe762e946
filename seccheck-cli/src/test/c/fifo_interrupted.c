// FIFO opens for reading that a signal interrupts, natively undone at once (no reader is left).
// Usage: fifo_interrupted restart ROUNDS US DIR | gaveup ROUNDS DIR
// restart: per round a child sleeps 1-21 ms, opens the FIFO for writing and writes "hello"; the
//   parent opens it for reading under a SIGALRM every US microseconds whose handler has SA_RESTART
//   (and retries on EINTR), then reads. Natively the writer waits for the reader's open and they
//   pair. A round whose open takes 3 s counts as hung (a SIGUSR1 without SA_RESTART ends it).
// gaveup: per round the reader's open is interrupted once (EINTR, no SA_RESTART) and abandoned;
//   20-140 ms later an open for writing with O_NONBLOCK must fail with ENXIO (no reader).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out;
static void on_alarm(int sig) { (void)sig; }
static void on_watchdog(int sig) { (void)sig; timed_out = 1; }

static void handle(int sig, void (*h)(int), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = flags;
    sigaction(sig, &sa, NULL);
}

static int restart(int rounds, long us, const char *fifo) {
    handle(SIGALRM, on_alarm, SA_RESTART);
    handle(SIGUSR1, on_watchdog, 0);
    timer_t watchdog;
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
    if (timer_create(CLOCK_MONOTONIC, &ev, &watchdog)) { perror("timer_create"); return 1; }
    int intact = 0, hung = 0;
    for (int i = 0; i < rounds; i++) {
        unlink(fifo);
        if (mkfifo(fifo, 0600)) { perror("mkfifo"); return 1; }
        pid_t w = fork();
        if (w == 0) {
            usleep(1000 + (i * 7919) % 20000);
            int f = open(fifo, O_WRONLY);
            if (f < 0) _exit(3);
            usleep(2000);
            _exit(write(f, "hello", 5) == 5 ? 0 : 4);
        }
        timed_out = 0;
        struct itimerspec in3s = {{0, 0}, {3, 0}}, off = {{0, 0}, {0, 0}};
        timer_settime(watchdog, 0, &in3s, NULL);
        struct itimerval every = {{0, us}, {0, us}}, stop = {{0, 0}, {0, 0}};
        setitimer(ITIMER_REAL, &every, NULL);
        int f;
        do f = open(fifo, O_RDONLY); while (f < 0 && errno == EINTR && !timed_out);
        setitimer(ITIMER_REAL, &stop, NULL);
        timer_settime(watchdog, 0, &off, NULL);
        char b[16] = {0};
        ssize_t n = -1;
        if (f >= 0) {
            do n = read(f, b, sizeof b); while (n < 0 && errno == EINTR);
            close(f);
        } else {
            hung++;
            kill(w, SIGKILL);
        }
        int st;
        waitpid(w, &st, 0);
        if (n == 5 && memcmp(b, "hello", 5) == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) intact++;
    }
    unlink(fifo);
    printf("restart: %d rounds, data intact %d, hung %d\n", rounds, intact, hung);
    return 0;
}

static int gaveup(int rounds, const char *fifo) {
    handle(SIGALRM, on_alarm, 0);
    int found = 0, eintr = 0;
    for (int i = 0; i < rounds; i++) {
        unlink(fifo);
        if (mkfifo(fifo, 0600)) { perror("mkfifo"); return 1; }
        struct itimerval in20ms = {{0, 0}, {0, 20000}};
        setitimer(ITIMER_REAL, &in20ms, NULL);
        int f = open(fifo, O_RDONLY);
        if (f < 0 && errno == EINTR) eintr++;
        else if (f >= 0) close(f);
        usleep(20000 + (i % 7) * 20000);
        int w = open(fifo, O_WRONLY | O_NONBLOCK);
        if (w >= 0) {
            found++;
            close(w);
        } else if (errno != ENXIO) {
            fprintf(stderr, "writer: %s\n", strerror(errno));
        }
    }
    unlink(fifo);
    printf("gave up: %d rounds, EINTR %d, writer found a reader %d\n", rounds, eintr, found);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "restart") == 0) {
        char fifo[512];
        snprintf(fifo, sizeof fifo, "%s/fifo", argv[4]);
        return restart(atoi(argv[2]), atol(argv[3]), fifo);
    }
    if (argc == 4 && strcmp(argv[1], "gaveup") == 0) {
        char fifo[512];
        snprintf(fifo, sizeof fifo, "%s/fifo", argv[3]);
        return gaveup(atoi(argv[2]), fifo);
    }
    fprintf(stderr, "usage: fifo_interrupted restart ROUNDS US DIR | gaveup ROUNDS DIR\n");
    return 2;
}

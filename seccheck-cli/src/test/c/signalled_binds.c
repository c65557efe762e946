// Makes sockets, binds them (to loopback, any port, or to a unix path in DIR) and listens on
// them, COUNT times, under a fast timer whose handler has no SA_RESTART. Natively none of these
// calls waits, so none fails with EINTR. Prints "made N listeners, failed: none" or the calls that
// failed and how ("bind: Interrupted system call x12"), and exits 1 on any failure; and on stderr
// "signals in calls: N", the calls a signal came during (its handler ran between the call and its
// return), so that a test can tell that the signals met the calls.
// Usage: signalled_binds inet|unix COUNT INTERVAL_US [DIR]
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/** SIGALRMs handled so far. */
static volatile sig_atomic_t alarms;

static void on_alarm(int sig) {
    (void)sig;
    alarms++;
}

/** The calls a signal came during. */
static long hit;
static sig_atomic_t before;

/** Marks the start of a call. */
static void calling(void) { before = alarms; }

/** Marks its return. */
static void returned(void) { hit += alarms != before; }

static const char *calls[] = {"socket", "bind", "listen"};
static long failures[3][160];

static void failed(int call) {
    if (errno >= 0 && errno < 160) {
        failures[call][errno]++;
    }
}

int main(int argc, char **argv) {
    if (argc < 4 || (strcmp(argv[1], "inet") != 0 && strcmp(argv[1], "unix") != 0)
            || (strcmp(argv[1], "unix") == 0 && argc != 5)) {
        fprintf(stderr, "usage: signalled_binds inet|unix COUNT INTERVAL_US [DIR]\n");
        return 2;
    }
    int unix_ = strcmp(argv[1], "unix") == 0;
    long count = atol(argv[2]);
    long interval = atol(argv[3]);
    struct sigaction sa = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval timer = {{0, interval}, {0, interval}};
    setitimer(ITIMER_REAL, &timer, NULL);
    long made = 0;
    for (long i = 0; i < count; i++) {
        calling();
        int s = socket(unix_ ? AF_UNIX : AF_INET, SOCK_STREAM, 0);
        returned();
        if (s < 0) {
            failed(0);
            continue;
        }
        int r;
        if (unix_) {
            struct sockaddr_un a = {.sun_family = AF_UNIX};
            snprintf(a.sun_path, sizeof a.sun_path, "%s/s%ld", argv[4], i);
            calling();
            r = bind(s, (struct sockaddr *)&a, sizeof a);
            returned();
        } else {
            struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
            calling();
            r = bind(s, (struct sockaddr *)&a, sizeof a);
            returned();
        }
        if (r != 0) {
            failed(1);
        } else {
            calling();
            r = listen(s, 8);
            returned();
            if (r != 0) {
                failed(2);
            } else {
                made++;
            }
        }
        close(s);
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("made %ld listeners, failed:", made);
    int any = 0;
    for (int c = 0; c < 3; c++) {
        for (int e = 0; e < 160; e++) {
            if (failures[c][e] > 0) {
                printf(" %s: %s x%ld", calls[c], strerror(e), failures[c][e]);
                any = 1;
            }
        }
    }
    printf("%s\n", any ? "" : " none");
    fprintf(stderr, "signals in calls: %ld\n", hit);
    return any;
}

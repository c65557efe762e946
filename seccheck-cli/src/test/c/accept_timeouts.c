// A blocking accept on a listener with a receive timeout (SO_RCVTIMEO), as a server that wakes up
// periodically sets it: socket(7) says the timeout applies to accept, which fails with EAGAIN once
// it runs out.
//
// Usage: accept_timeouts MODE
//   accept   TCP listener on 127.0.0.1, SO_RCVTIMEO 200 ms, accept(fd, &addr, &len), no client
//   accept4  the same with accept4(fd, 0, 0, SOCK_CLOEXEC)
//   unix     an abstract unix listener, SO_RCVTIMEO 200 ms, accept, no client
//   client   TCP, SO_RCVTIMEO 3 s, a forked client connects 100 ms after the accept began
//   signal   TCP, SO_RCVTIMEO 3 s, an SA_RESTART SIGALRM handler, the signal 200 ms after the
//            accept began: EINTR, not a restart (sock_intr_errno)
// Prints "MODE = RESULT after N ms": RESULT is "connection" or the errno's name (EAGAIN, EINTR),
// N the time the call took. Says on stderr what it waits for, so a test that has to kill it
// knows where it hung.
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void handler(int sig) { (void)sig; }

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: accept_timeouts accept|accept4|unix|client|signal\n");
        return 2;
    }
    const char *mode = argv[1];
    int unix_mode = !strcmp(mode, "unix");
    int client_mode = !strcmp(mode, "client");
    int signal_mode = !strcmp(mode, "signal");
    int l;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (unix_mode) {
        struct sockaddr_un u = {.sun_family = AF_UNIX};
        int n = snprintf(u.sun_path + 1, sizeof u.sun_path - 1, "seccheck-accept-timeouts-%d", getpid());
        l = socket(AF_UNIX, SOCK_STREAM, 0);
        if (l < 0 || bind(l, (void *)&u, offsetof(struct sockaddr_un, sun_path) + 1 + n) || listen(l, 5)) {
            perror("unix listener");
            return 1;
        }
    } else {
        l = socket(AF_INET, SOCK_STREAM, 0);
        if (l < 0 || bind(l, (void *)&a, sizeof a) || listen(l, 5) || getsockname(l, (void *)&a, &alen)) {
            perror("listener");
            return 1;
        }
    }
    struct timeval tv = {client_mode || signal_mode ? 3 : 0, client_mode || signal_mode ? 0 : 200000};
    if (setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv)) {
        perror("SO_RCVTIMEO");
        return 1;
    }
    pid_t p = -1;
    if (client_mode) {
        p = fork();
        if (p == 0) {
            usleep(100000);
            int c = socket(AF_INET, SOCK_STREAM, 0);
            _exit(connect(c, (void *)&a, sizeof a) ? 1 : 0);
        }
    }
    // From here: the signal's timer starts now, and a slow write of the line below (a loaded
    // machine, a run's stderr) must not count against it.
    long t0 = now_ms();
    if (signal_mode) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = handler;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGALRM, &sa, 0);
        struct itimerval it = {{0, 0}, {0, 200000}};
        setitimer(ITIMER_REAL, &it, 0);
    }
    fprintf(stderr, "%s: waiting in accept\n", mode);
    int r;
    if (!strcmp(mode, "accept4")) {
        r = accept4(l, 0, 0, SOCK_CLOEXEC);
    } else {
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        r = accept(l, (void *)&peer, &len);
    }
    int e = errno;
    long took = now_ms() - t0;
    if (p > 0) {
        int st;
        while (waitpid(p, &st, 0) < 0 && errno == EINTR) {}
    }
    printf("%s = %s after %ld ms\n", mode, r >= 0 ? "connection" : strerrorname_np(e), took);
    return 0;
}

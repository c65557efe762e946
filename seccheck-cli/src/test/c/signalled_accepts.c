// A TCP server accepting connections under a fast interval timer, as a server with timers (or
// SIGCHLD) sees it: no connection a client completes is lost, and accept fails with nothing but
// EINTR (or EAGAIN when non-blocking) on its listening socket.
//
// Usage: signalled_accepts MODE COUNT INTERVAL_US
//   A forked client makes COUNT connections to the server on 127.0.0.1, one at a time, and waits
//   up to 10 s on each for the byte the server writes to every connection it accepts (a connection
//   it does not get the byte on is lost, and told on stderr: its number, how long it waited, errno,
//   0 for the connection's end, and whether the byte came in a further 20 s, with no other
//   connection made meanwhile: a server stalled that long answers it late, one that holds it
//   until the next connection never does); the
//   server takes SIGALRM every INTERVAL_US microseconds meanwhile. MODE:
//     eintr    blocking accept(fd, &addr, &len), a handler without SA_RESTART (EINTR: accept again)
//     restart  blocking accept4(fd, 0, 0, SOCK_CLOEXEC), a handler with SA_RESTART
//     nonblock a non-blocking listener: poll, then accept4(SOCK_NONBLOCK), no SA_RESTART
//     threads  two threads each looping on accept on the same listener, no SA_RESTART
//   Once done, the client shuts the (shared) listening socket down, which ends the server's
//   accept with EINVAL. Prints "served S of COUNT, lost L, failed F": S the connections accepted,
//   L those the client never got its byte on, F the first error other than EINTR/EAGAIN before
//   the client was done ("none"). Natively: served COUNT of COUNT, lost 0, failed none.
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int listener;
static int mode_restart, mode_nonblock, mode_threads;
static int count;
static int served;
static int failed;  // the first errno other than EINTR/EAGAIN, 0 for none
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void handler(int sig) { (void)sig; }

/** Milliseconds since t0. */
static long since(struct timespec t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
}

static int client(struct sockaddr_in a) {
    int lost = 0;
    for (int i = 0; i < count; i++) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(c, (void *)&a, sizeof a)) {
            lost++;
            close(c);
            continue;
        }
        // Long enough for a cold supervisor on a loaded machine (CI once took over 3 s on one
        // connection of the first few): a connection closed unanswered ends the wait at once.
        struct timeval tv = {10, 0};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        char b;
        errno = 0;
        if (read(c, &b, 1) != 1) {
            lost++;
            int err = errno;
            long waited = since(t0);
            const char *later = "not after";
            if (err == EAGAIN) {
                struct timeval more = {20, 0};
                setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &more, sizeof more);
                later = read(c, &b, 1) == 1 ? "after" : "not after";
            }
            fprintf(stderr, "lost connection %d after %ld ms, errno %d; the byte came %s %ld ms\n", i, waited, err,
                    later, since(t0));
        }
        close(c);
    }
    shutdown(listener, SHUT_RDWR);  // the server's accept ends with EINVAL
    return lost;
}

/** Accepts until the listener is shut down; returns after the first error other than EINTR/EAGAIN. */
static void *serve(void *unused) {
    (void)unused;
    for (;;) {
        if (mode_nonblock) {
            struct pollfd p = {listener, POLLIN, 0};
            if (poll(&p, 1, -1) < 0) continue;
        }
        int c;
        if (mode_restart) {
            c = accept4(listener, 0, 0, SOCK_CLOEXEC);
        } else if (mode_nonblock) {
            c = accept4(listener, 0, 0, SOCK_NONBLOCK);
        } else {
            struct sockaddr_in peer;
            socklen_t len = sizeof peer;
            c = accept(listener, (void *)&peer, &len);
        }
        if (c < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            pthread_mutex_lock(&lock);
            if (!failed) failed = errno;
            pthread_mutex_unlock(&lock);
            // As a server that takes the error for fatal: it stops, and its clients are refused.
            shutdown(listener, SHUT_RDWR);
            return 0;
        }
        if (write(c, "k", 1) != 1) perror("write");
        close(c);
        pthread_mutex_lock(&lock);
        served++;
        pthread_mutex_unlock(&lock);
    }
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: signalled_accepts eintr|restart|nonblock|threads COUNT INTERVAL_US\n");
        return 2;
    }
    mode_restart = !strcmp(argv[1], "restart");
    mode_nonblock = !strcmp(argv[1], "nonblock");
    mode_threads = !strcmp(argv[1], "threads");
    count = atoi(argv[2]);
    long us = atol(argv[3]);
    listener = socket(AF_INET, SOCK_STREAM | (mode_nonblock ? SOCK_NONBLOCK : 0), 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    if (listener < 0 || bind(listener, (void *)&a, sizeof a) || listen(listener, 128)
            || getsockname(listener, (void *)&a, &l)) {
        perror("listener");
        return 1;
    }
    pid_t p = fork();
    if (p == 0) _exit(client(a));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = mode_restart ? SA_RESTART : 0;
    sigaction(SIGALRM, &sa, 0);
    struct itimerval it = {{0, us}, {0, us}};
    setitimer(ITIMER_REAL, &it, 0);
    pthread_t other;
    if (mode_threads) pthread_create(&other, 0, serve, 0);
    serve(0);
    if (mode_threads) pthread_join(other, 0);
    int fatal = failed;
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, 0);
    int st;
    while (waitpid(p, &st, 0) < 0 && errno == EINTR) {}
    // EINVAL once the client shut the listener down is how the server learns it is done.
    if (fatal == EINVAL) fatal = 0;
    printf("served %d of %d, lost %d, failed %s\n", served, count, WIFEXITED(st) ? WEXITSTATUS(st) : -1,
            fatal ? strerrorname_np(fatal) : "none");
    return 0;
}

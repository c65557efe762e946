// accept-latency N: N rounds of the accepts a server makes, each timed: a blocking accept of a
// loopback connection already pending, with an address buffer (pending); and a non-blocking
// accept with none pending (eagain), the spurious one of an event loop. The client connects
// untimed before each round. Then the binds a network policy now holds: a UDP socket's to
// 127.0.0.1 and a port of the kernel's choice (bind4), and a unix socket's to a name in the
// working directory (bindunix). Prints the median of each in microseconds (bench/accepts.sh).
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
static int cmp(const void *a, const void *b) { long x = *(long *)a, y = *(long *)b; return x < y ? -1 : x > y; }
static long ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000L + t.tv_nsec; }
int main(int c, char **v) {
    int n = c > 1 ? atoi(v[1]) : 2000;
    long *pending = malloc(sizeof(long) * n), *eagain = malloc(sizeof(long) * n);
    long *bind4 = malloc(sizeof(long) * n), *bindunix = malloc(sizeof(long) * n);
    int srv = socket(AF_INET, SOCK_STREAM, 0), idle = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET}, b = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    b.sin_addr = a.sin_addr;
    socklen_t al = sizeof a;
    if (bind(srv, (struct sockaddr *)&a, sizeof a) || listen(srv, 16) || getsockname(srv, (struct sockaddr *)&a, &al)
        || bind(idle, (struct sockaddr *)&b, sizeof b) || listen(idle, 16) || fcntl(idle, F_SETFL, O_NONBLOCK)) {
        perror("accept-latency: listen");
        return 1;
    }
    for (int i = 0; i < n; i++) {
        int cl = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(cl, (struct sockaddr *)&a, sizeof a)) { perror("connect"); return 1; }
        struct sockaddr_in peer;
        socklen_t pl = sizeof peer;
        long t0 = ns();
        int s = accept(srv, (struct sockaddr *)&peer, &pl);
        pending[i] = ns() - t0;
        if (s < 0) { perror("accept"); return 1; }
        close(s);
        close(cl);
        t0 = ns();
        if (accept(idle, NULL, NULL) >= 0 || errno != EAGAIN) { perror("accept none pending"); return 1; }
        eagain[i] = ns() - t0;
        int u = socket(AF_INET, SOCK_DGRAM, 0);
        t0 = ns();
        if (bind(u, (struct sockaddr *)&b, sizeof b)) { perror("bind"); return 1; }
        bind4[i] = ns() - t0;
        close(u);
        struct sockaddr_un name = {.sun_family = AF_UNIX};
        snprintf(name.sun_path, sizeof name.sun_path, "accept-latency-%d.sock", (int)getpid());
        int x = socket(AF_UNIX, SOCK_STREAM, 0);
        t0 = ns();
        if (bind(x, (struct sockaddr *)&name, sizeof name)) { perror("unix bind"); return 1; }
        bindunix[i] = ns() - t0;
        close(x);
        unlink(name.sun_path);
    }
    qsort(pending, n, sizeof(long), cmp);
    qsort(eagain, n, sizeof(long), cmp);
    qsort(bind4, n, sizeof(long), cmp);
    qsort(bindunix, n, sizeof(long), cmp);
    printf("pending=%ld eagain=%ld bind4=%ld bindunix=%ld\n", pending[n / 2] / 1000, eagain[n / 2] / 1000,
           bind4[n / 2] / 1000, bindunix[n / 2] / 1000);
    return 0;
}

// unix-latency N: N rounds of a connect to a listening unix stream socket and a sendto of one byte
// to a unix datagram socket, both by a relative path in the current directory, each call timed
// (each connection accepted and closed, each datagram read); prints the median of each in
// microseconds (bench/unix-sockets.sh).
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
    long *conn = malloc(sizeof(long) * n), *send = malloc(sizeof(long) * n);
    struct sockaddr_un s = {.sun_family = AF_UNIX, .sun_path = "unix-latency.s"};
    struct sockaddr_un d = {.sun_family = AF_UNIX, .sun_path = "unix-latency.d"};
    unlink(s.sun_path);
    unlink(d.sun_path);
    int l = socket(AF_UNIX, SOCK_STREAM, 0), r = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (bind(l, (struct sockaddr *)&s, sizeof s) || listen(l, 4096) || bind(r, (struct sockaddr *)&d, sizeof d)) {
        perror("unix-latency: listener");
        return 1;
    }
    int w = socket(AF_UNIX, SOCK_DGRAM, 0);
    char b;
    for (int i = 0; i < n; i++) {
        int k = socket(AF_UNIX, SOCK_STREAM, 0);
        long a = ns();
        if (connect(k, (struct sockaddr *)&s, sizeof s)) { perror("connect"); return 1; }
        conn[i] = ns() - a;
        close(k);
        int acc = accept(l, NULL, NULL);
        close(acc);
        a = ns();
        if (sendto(w, "x", 1, 0, (struct sockaddr *)&d, sizeof d) != 1) { perror("sendto"); return 1; }
        send[i] = ns() - a;
        if (read(r, &b, 1) != 1) { perror("read"); return 1; }
    }
    unlink(s.sun_path);
    unlink(d.sun_path);
    qsort(conn, n, sizeof(long), cmp);
    qsort(send, n, sizeof(long), cmp);
    printf("connect=%ld sendto=%ld\n", conn[n / 2] / 1000, send[n / 2] / 1000);
    return 0;
}

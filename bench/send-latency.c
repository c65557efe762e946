// send-latency N [addressed]: N sends of one byte on a connected UDP socket (send(2): sendto without
// an address), each timed; prints the median in nanoseconds as send_ns=P50 (bench/sends.sh). A send
// without an address reaches the peer its connect chose, so no session needs to hold it. With
// "addressed", N sendto calls naming the address on an unconnected socket instead, which a
// connect point holds and seccheck performs; printed as addressed_ns=P50.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
static int cmp(const void *a, const void *b) { long x = *(long *)a, y = *(long *)b; return x < y ? -1 : x > y; }
static long ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000L + t.tv_nsec; }
int main(int c, char **v) {
    int n = c > 1 ? atoi(v[1]) : 20000;
    int addressed = c > 2 && v[2][0] == 'a';
    long *t = malloc(sizeof(long) * n);
    int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    socklen_t al = sizeof a;
    int big = 1 << 22;
    setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    if (bind(rx, (struct sockaddr *)&a, sizeof a) || getsockname(rx, (struct sockaddr *)&a, &al)
        || (!addressed && connect(tx, (struct sockaddr *)&a, sizeof a))) {
        perror("send-latency: udp");
        return 1;
    }
    char b = 'x', sink[16];
    for (int i = 0; i < n; i++) {
        long s = ns();
        if ((addressed ? sendto(tx, &b, 1, 0, (struct sockaddr *)&a, sizeof a) : send(tx, &b, 1, 0)) != 1) {
            perror("send-latency: send");
            return 1;
        }
        t[i] = ns() - s;
        recv(rx, sink, sizeof sink, MSG_DONTWAIT);
    }
    qsort(t, n, sizeof(long), cmp);
    printf("%s_ns=%ld\n", addressed ? "addressed" : "send", t[n / 2]);
    return 0;
}

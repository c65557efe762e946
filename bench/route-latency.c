// route-latency N: N setsockopt(IP_OPTIONS) calls of each of two lists on a UDP socket, each call
// timed; prints the medians in microseconds as route=P50 security_route=P50 (bench/routes.sh).
// route: a loose source route alone; security_route: a security option before it, which the kernel
// takes only from a caller holding CAP_NET_RAW, so seccheck asks whether the program holds it
// (NetworkCapability) before its trial. Natively both are set; under a rule deciding at connect
// both are refused (EPERM), after the trial on a socket of seccheck's own.
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
static int cmp(const void *a, const void *b) { long x = *(long *)a, y = *(long *)b; return x < y ? -1 : x > y; }
static long ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000L + t.tv_nsec; }
static long p50(int s, const unsigned char *opts, int len, int n, long *t) {
    for (int i = 0; i < n; i++) {
        long t0 = ns();
        setsockopt(s, IPPROTO_IP, IP_OPTIONS, opts, len);
        t[i] = ns() - t0;
    }
    qsort(t, n, sizeof(long), cmp);
    return t[n / 2] / 1000;
}
int main(int c, char **v) {
    int n = c > 1 ? atoi(v[1]) : 5000;
    long *t = malloc(sizeof(long) * n);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    static const unsigned char route[8] = {0x01, 0x83, 7, 4, 127, 0, 0, 1};
    static const unsigned char security_route[12] = {0x82, 4, 0, 0, 0x83, 7, 4, 127, 0, 0, 1, 0};
    long a = p50(s, route, sizeof route, n, t);
    long b = p50(s, security_route, sizeof security_route, n, t);
    printf("route=%ld security_route=%ld\n", a, b);
    return 0;
}

// rename-latency N: N renames of a file back and forth in the current directory, each timed; prints
// the median and tail in microseconds (bench/renames.sh).
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
static int cmp(const void *a, const void *b) { long x = *(long *)a, y = *(long *)b; return x < y ? -1 : x > y; }
static long ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000L + t.tv_nsec; }
int main(int c, char **v) {
    int n = c > 1 ? atoi(v[1]) : 10000;
    long *t = malloc(n * sizeof(long));
    close(open("rename-latency.a", O_CREAT | O_WRONLY, 0644));
    for (int i = 0; i < n; i++) {
        const char *from = i % 2 ? "rename-latency.b" : "rename-latency.a";
        const char *to = i % 2 ? "rename-latency.a" : "rename-latency.b";
        long a = ns();
        if (rename(from, to) < 0) { perror("rename"); return 1; }
        t[i] = ns() - a;
    }
    unlink(n % 2 ? "rename-latency.b" : "rename-latency.a");
    qsort(t, n, sizeof(long), cmp);
    printf("n=%d p50=%ldus p99=%ldus\n", n, t[n / 2] / 1000, t[n * 99 / 100] / 1000);
    return 0;
}

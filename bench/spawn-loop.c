// spawn-loop N CMD [ARGS...]: runs CMD N times one after the other (fork, exec, wait), each run
// timed; prints to stderr the 10th, 50th and 90th percentile in microseconds of the runs after the
// first fifth (bench/point-families.sh).
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static long ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000L + t.tv_nsec; }
static int cmp(const void *a, const void *b) { long x = *(long *)a, y = *(long *)b; return x < y ? -1 : x > y; }
int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: spawn-loop N CMD [ARGS...]\n"); return 2; }
    int n = atoi(argv[1]);
    long *v = malloc(n * sizeof(long));
    for (int i = 0; i < n; i++) {
        long t = ns();
        pid_t p = fork();
        if (p == 0) { execv(argv[2], argv + 2); _exit(127); }
        int st;
        waitpid(p, &st, 0);
        v[i] = ns() - t;
    }
    int skip = n / 5, m = n - skip;
    qsort(v + skip, m, sizeof(long), cmp);
    fprintf(stderr, "p10 %ld p50 %ld p90 %ld us\n", v[skip + m / 10] / 1000, v[skip + m / 2] / 1000,
            v[skip + m * 9 / 10] / 1000);
    return 0;
}

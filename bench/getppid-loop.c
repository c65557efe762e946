// N getppid calls, timed: the cost of a syscall point that seccheck's tracer serves with ptrace
// stops when a session enables syscall/sysno/110/enter and /exit (BENCHMARKS.md, "The tracer's
// poll"). gcc -O2 -o /tmp/getppid-loop bench/getppid-loop.c && /tmp/getppid-loop 20000
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) getppid();
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%ld ns per getppid\n", ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec)) / n);
    return 0;
}

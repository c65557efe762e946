// N signal-0 calls of one kind, timed: what a signal the guard holds for seccheck costs
// (BENCHMARKS.md, "Signals to one task"). Kinds:
//   self    kill(getpid(), 0): a signal to one task, held for SignalTargets
//   child   kill(child, 0): the same, to a sleeping child
//   thread  tgkill(getpid(), gettid(), 0): not held (the control)
// gcc -O2 -o /tmp/signal-latency bench/signal-latency.c && /tmp/signal-latency self 20000
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *kind = argc > 1 ? argv[1] : "self";
    int n = argc > 2 ? atoi(argv[2]) : 20000;
    pid_t self = getpid(), tid = (pid_t) syscall(SYS_gettid), child = 0;
    if (strcmp(kind, "child") == 0) {
        child = fork();
        if (child == 0) {
            pause();
            _exit(0);
        }
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) {
        if (child) kill(child, 0);
        else if (strcmp(kind, "thread") == 0) syscall(SYS_tgkill, self, tid, 0);
        else kill(self, 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%ld ns per %s signal\n", ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec)) / n, kind);
    if (child) {
        kill(child, SIGKILL);
        waitpid(child, 0, 0);
    }
    return 0;
}

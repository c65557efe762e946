// Cost of one ptrace stop and resume (seccomp RET_TRACE on getppid, PTRACE_CONT), the floor under
// a syscall point served by seccheck's tracer, without the JVM. MODE:
//   0  the tracer blocks in waitpid between stops
//   1  as 0, the tracee's CPU mask narrowed to the tracer's CPU around each resume (not used by
//      seccheck: the resumed tracee runs, and can see the narrowed mask, before it is put back)
//   2  as 0, the tracer SCHED_IDLE around each resume (tried, no gain)
//   3  the tracer polls with WNOHANG for up to 100 us before it blocks: what seccheck's tracer
//      does while stops come back quickly (StopSpin)
//   gcc -O2 -o /tmp/ptrace-wake bench/ptrace-wake.c && for m in 0 3; do /tmp/ptrace-wake $m 20000; done
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "one-syscall-filter.h"

static long now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void tracee(int mode, int n) {
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    raise(SIGSTOP);
    one_syscall_filter(SYS_getppid, SECCOMP_RET_TRACE, 0);
    long t0 = now();
    for (int i = 0; i < n; i++) syscall(SYS_getppid);
    printf("mode %d: %ld ns per stop\n", mode, (now() - t0) / n);
    fflush(stdout);
    _exit(0);
}

int main(int argc, char **argv) {
    int mode = atoi(argv[1]), n = atoi(argv[2]);
    pid_t c = fork();
    if (c == 0) tracee(mode, n);
    int st;
    waitpid(c, &st, 0);
    ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL);
    ptrace(PTRACE_CONT, c, 0, 0);
    for (;;) {
        int w = 0;
        if (mode == 3) {
            long t0 = now();
            while ((w = waitpid(c, &st, WNOHANG)) == 0 && now() - t0 < 100000) {
            }
        }
        if (w == 0) w = waitpid(c, &st, 0);
        if (w < 0 || WIFEXITED(st)) break;
        cpu_set_t was, here;
        int held = 0;
        if (mode == 1) {
            sched_getaffinity(c, sizeof was, &was);
            CPU_ZERO(&here);
            CPU_SET(sched_getcpu(), &here);
            held = sched_setaffinity(c, sizeof here, &here) == 0;
        }
        struct sched_param sp = {0};
        if (mode == 2) sched_setscheduler(0, SCHED_IDLE, &sp);
        int sig = WIFSTOPPED(st) && WSTOPSIG(st) != SIGTRAP && WSTOPSIG(st) != SIGSTOP ? WSTOPSIG(st) : 0;
        ptrace(PTRACE_CONT, c, 0, sig);
        if (mode == 2) sched_setscheduler(0, SCHED_OTHER, &sp);
        if (held) sched_setaffinity(c, sizeof was, &was);
    }
    return 0;
}

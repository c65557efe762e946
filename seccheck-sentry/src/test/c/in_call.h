/* in_call.h: waiting until another process is inside a given system call, for programs whose
 * point is a call that never returns (fuse_hang.c, fuse_hidden.c): what they do next is only a
 * test of anything once that call has begun. A fixed sleep is not enough on a loaded machine (a
 * child that reached its call after the rest of the program was done passed for a run seccheck
 * did not hold). */
#ifndef IN_CALL_H
#define IN_CALL_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Opens /proc/PID/syscall: before PID makes its call, since opening it afterwards may itself be
 * held where that call is held. -1 on failure (said on stderr). */
static int call_watch(pid_t pid) {
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/syscall", (int)pid);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0) perror("in_call: open /proc/PID/syscall");
    return fd;
}

/* Waits up to MS milliseconds until the task behind WATCH (call_watch) sleeps in system call NR;
 * 1 when it does, 0 when it did not within MS (said on stderr). */
static int await_call(int watch, long nr, long ms) {
    struct timespec tick = {0, 5 * 1000 * 1000};
    for (long waited = 0; waited < ms; waited += 5) {
        char buf[256];
        ssize_t n = watch < 0 ? -1 : pread(watch, buf, sizeof buf - 1, 0);
        if (n > 0) {
            buf[n] = 0;
            char *end;
            long now = strtol(buf, &end, 10);
            if (end != buf && now == nr) return 1;
        }
        nanosleep(&tick, NULL);
    }
    fprintf(stderr, "in_call: the task did not reach system call %ld within %ld ms\n", nr, ms);
    return 0;
}

#endif

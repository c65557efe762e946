// A program whose thread has syscall user dispatch on (PR_SET_SYSCALL_USER_DISPATCH, as Wine's
// threads running Windows code have it): a syscall made from outside the C library's range while
// the selector says block is not made but sent to it as SIGSYS, which it counts. It then opens
// DIR/tick every 50 ms until DIR/stop exists (at most two minutes), and prints "dispatched N".
// A supervisor that makes the thread run a syscall of its own from the vDSO (above the range)
// gets a SIGSYS instead, unless it turns the dispatch off meanwhile.
//
// Usage: syscall_dispatch DIR
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1
#endif
#define SYSCALL_DISPATCH_FILTER_BLOCK 1

static volatile char selector;
static volatile sig_atomic_t dispatched;

static void on_sigsys(int sig) {
    (void) sig;
    dispatched++;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: syscall_dispatch DIR\n");
        return 2;
    }
    unsigned long vdso = 0;
    char line[512];
    FILE *maps = fopen("/proc/self/maps", "r");
    while (maps != NULL && fgets(line, sizeof line, maps) != NULL) {
        if (strstr(line, "[vdso]") != NULL) {
            vdso = strtoul(line, NULL, 16);
        }
    }
    if (maps == NULL || vdso == 0) {
        fprintf(stderr, "no vDSO\n");
        return 1;
    }
    fclose(maps);
    struct sigaction sa = {.sa_handler = on_sigsys, .sa_flags = SA_RESTART};
    sigaction(SIGSYS, &sa, NULL);
    // Syscalls from below the vDSO (the program and its libraries) are made; above, dispatched.
    if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, 0, vdso, &selector) != 0) {
        perror("PR_SET_SYSCALL_USER_DISPATCH");
        return 1;
    }
    selector = SYSCALL_DISPATCH_FILTER_BLOCK;
    char tick[4096], stop[4096];
    snprintf(tick, sizeof tick, "%s/tick", argv[1]);
    snprintf(stop, sizeof stop, "%s/stop", argv[1]);
    for (int i = 0; i < 2400 && access(stop, F_OK) != 0; i++) {
        int fd = open(tick, O_RDONLY);
        if (fd >= 0) {
            close(fd);
        }
        struct timespec t = {0, 50000000};
        nanosleep(&t, NULL);
    }
    printf("dispatched %d\n", (int) dispatched);
    return 0;
}

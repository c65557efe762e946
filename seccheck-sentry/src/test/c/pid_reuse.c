// Gives a new process a number that a launch seccheck made, and that died before its exec, had.
//
// Usage: pid_reuse DIR
//   Waits for DIR/target (a pid, written once its holder is gone and the pids before it are
//   nearly used up), then forks children until one gets that pid (at most 2,000 tries): that child
//   calls chdir(DIR) and exits; the others exit at once. Prints "got PID" or "missed PID (last
//   LAST)" and exits 0; exits 1 on a bad start.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: pid_reuse DIR\n");
        return 1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/target", argv[1]);
    int target = 0;
    for (int i = 0; i < 6000 && target == 0; i++) {
        FILE *f = fopen(path, "r");
        if (f) {
            if (fscanf(f, "%d", &target) != 1) target = 0;
            fclose(f);
        }
        if (target == 0) {
            struct timespec t = {0, 20000000};
            nanosleep(&t, NULL);
        }
    }
    if (target == 0) {
        fprintf(stderr, "no target\n");
        return 1;
    }
    pid_t last = 0;
    for (int i = 0; i < 2000; i++) {
        pid_t p = fork();
        if (p == 0) {
            if (getpid() == target) chdir(argv[1]);
            _exit(0);
        }
        int status;
        waitpid(p, &status, 0);
        last = p;
        if (p == target) {
            printf("got %d\n", target);
            return 0;
        }
    }
    printf("missed %d (last %d)\n", target, last);
    return 0;
}

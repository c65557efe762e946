/*
 * kill_after_exec N: N times, forks a child that execs /bin/sleep and kills it with SIGKILL at
 * once or up to 0.6 ms later (Popen and then kill(), as test suites do). Prints how many children
 * SIGKILL ended: all of them, natively and under seccheck.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 200;
    int killed = 0;
    for (int i = 0; i < n; i++) {
        pid_t child = fork();
        if (child == 0) {
            execl("/bin/sleep", "sleep", "10", (char *)NULL);
            _exit(127);
        }
        if (i % 3 != 0) {
            usleep((i % 7) * 100);
        }
        kill(child, SIGKILL);
        int status;
        if (waitpid(child, &status, 0) == child && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
            killed++;
        }
    }
    printf("SIGKILL ended %d of %d children\n", killed, n);
    return 0;
}

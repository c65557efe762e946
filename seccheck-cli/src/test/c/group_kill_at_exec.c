// A process signals its process group while its child is in execve.
//
// Usage: group_kill_at_exec ROUNDS
//   With TERM blocked for itself, ROUNDS times: forks a child that unblocks TERM and executes
//   `/bin/sleep 30`, waits a little longer each round (0 to 1.9 ms, so that some rounds meet the
//   child inside its execve), and sends TERM to its own process group with kill(0). The child must
//   die of that TERM, as it does natively wherever it was; the first one still alive after 2 s is
//   killed, and the program says so and stops. Prints how many children TERM ended.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long nowUs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 100;
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, NULL);
    int ended = 0;
    for (int i = 0; i < rounds; i++) {
        pid_t child = fork();
        if (child < 0) {
            perror("fork");
            return 1;
        }
        if (child == 0) {
            sigprocmask(SIG_UNBLOCK, &term, NULL);
            execl("/bin/sleep", "sleep", "30", (char *) NULL);
            _exit(127);
        }
        for (long until = nowUs() + (i % 20) * 100; nowUs() < until;) {
        }
        if (kill(0, SIGTERM) != 0) {
            perror("kill(0, SIGTERM)");
            return 1;
        }
        int status = 0;
        pid_t got = 0;
        for (long until = nowUs() + 2000000; (got = waitpid(child, &status, WNOHANG)) == 0 && nowUs() < until;) {
            usleep(1000);
        }
        if (got == 0) {
            kill(child, SIGKILL);
            waitpid(child, &status, 0);
            printf("round %d: the child was alive 2 s after kill(0, SIGTERM)\n", i);
            rounds = i + 1;
            break;
        } else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) {
            ended++;
        } else {
            printf("round %d: the child ended otherwise (status 0x%x)\n", i, status);
            rounds = i + 1;
            break;
        }
        struct timespec zero = {0, 0};
        while (sigtimedwait(&term, NULL, &zero) == SIGTERM) {
        }
    }
    printf("TERM ended %d of %d children\n", ended, rounds);
    return 0;
}

// Processes killed while they create siblings: the creator's clone event never comes.
//
// Usage: clone_parent_killed ROUNDS
//   ROUNDS times, forks a process P1 in which a thread makes CLONE_PARENT children (children of
//   this process, which _exit at once) in a loop while P1 SIGKILLs itself. The kernel skips the
//   clone event of a creator being killed, so a supervisor learns of some of these children only
//   from their own first stop. Then reaps every child with a blocking wait() and prints whether it
//   reaped more than ROUNDS, and whether SIGKILL ended at least ROUNDS of them (the P1s, and under
//   a supervisor the children it had to end).
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static char stack[65536];

static int sibling(void *arg) {
    (void) arg;
    _exit(0);
}

static void *cloner(void *arg) {
    (void) arg;
    for (;;) clone(sibling, stack + sizeof stack, CLONE_PARENT | SIGCHLD, NULL);
    return NULL;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 100;
    for (int r = 0; r < rounds; r++) {
        if (fork() == 0) {
            pthread_t t;
            pthread_create(&t, NULL, cloner, NULL);
            usleep(200 + (r % 7) * 150);
            kill(getpid(), SIGKILL);
        }
    }
    int reaped = 0, killed = 0, status;
    while (wait(&status) > 0) {
        reaped++;
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) killed++;
    }
    printf("reaped %s, %s by SIGKILL\n", reaped > rounds ? "more than the rounds" : "too few",
           killed >= rounds ? "at least the rounds" : "fewer");
    return 0;
}

// An outside process for pid_reuse.c: a daemon in a session of its own, not under seccheck, that
// keeps starting short-lived children (a shell loop running sleep) and reports each child that a
// signal killed. Usage: pid_reuse_victim SECONDS CHILD_LIFE_US; ends early on SIGTERM.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig) {
    (void) sig;
    stop = 1;
}

int main(int argc, char **argv) {
    int secs = argc > 1 ? atoi(argv[1]) : 60;
    int life = argc > 2 ? atoi(argv[2]) : 300000;
    setsid();
    signal(SIGUSR1, SIG_DFL);
    signal(SIGTERM, on_term);
    time_t end = time(NULL) + secs;
    long forks = 0, hits = 0;
    while (!stop && time(NULL) < end) {
        pid_t p = fork();
        if (p < 0) {
            usleep(100);
            continue;
        }
        if (p == 0) {
            signal(SIGTERM, SIG_DFL);
            usleep(life);
            _exit(0);
        }
        forks++;
        int st;
        while (waitpid(p, &st, 0) < 0) {
        }
        if (WIFSIGNALED(st)) {
            hits++;
            printf("OUTSIDE CHILD %d KILLED BY SIGNAL %d\n", p, WTERMSIG(st));
            fflush(stdout);
        }
        usleep(500);
    }
    printf("outside daemon: %ld children, %ld killed by a signal\n", forks, hits);
    return 0;
}

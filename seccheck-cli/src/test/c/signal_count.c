/*
 * signal_count SECONDS: counts the signals it catches (INT, QUIT, WINCH, HUP, TERM, USR1, TSTP
 * handled, so none ends it) for SECONDS, then prints each count and "done". Run from a terminal:
 * its keys reach the foreground process group, and a process in it must see each once.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile sig_atomic_t counts[65];

static void count(int sig) { counts[sig]++; }

int main(int argc, char **argv) {
    int seconds = argc > 1 ? atoi(argv[1]) : 3;
    int sigs[] = {SIGINT, SIGQUIT, SIGWINCH, SIGHUP, SIGTERM, SIGUSR1, SIGTSTP};
    for (unsigned i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        struct sigaction sa = {0};
        sa.sa_handler = count;
        sa.sa_flags = SA_RESTART;
        sigaction(sigs[i], &sa, NULL);
    }
    printf("ready\n");
    fflush(stdout);
    for (int i = 0; i < seconds * 10; i++) {
        usleep(100000);
    }
    for (unsigned i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        if (counts[sigs[i]]) {
            printf("signal %d x%d\n", sigs[i], (int) counts[sigs[i]]);
        }
    }
    printf("done\n");
    return 0;
}

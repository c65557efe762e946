/*
 * signal_count SECONDS: counts the signals it catches (INT, QUIT, WINCH, HUP, TERM, USR1, TSTP
 * handled, so none ends it) for SECONDS, then prints each count and "done". Run from a terminal:
 * its keys reach the foreground process group, and a process in it must see each once. A signal a
 * process sent (kill, sigqueue, tgkill) is printed with its last sender: "signal 10 x1 from 1234".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile sig_atomic_t counts[65];
static volatile sig_atomic_t senders[65];

static void count(int sig, siginfo_t *info, void *context) {
    (void) context;
    counts[sig]++;
    senders[sig] = info->si_code == SI_USER || info->si_code == SI_QUEUE || info->si_code == SI_TKILL
        ? info->si_pid : 0;
}

int main(int argc, char **argv) {
    int seconds = argc > 1 ? atoi(argv[1]) : 3;
    int sigs[] = {SIGINT, SIGQUIT, SIGWINCH, SIGHUP, SIGTERM, SIGUSR1, SIGTSTP};
    for (unsigned i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        struct sigaction sa = {0};
        sa.sa_sigaction = count;
        sa.sa_flags = SA_RESTART | SA_SIGINFO;
        sigaction(sigs[i], &sa, NULL);
    }
    printf("ready\n");
    fflush(stdout);
    for (int i = 0; i < seconds * 10; i++) {
        usleep(100000);
    }
    for (unsigned i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        int s = sigs[i];
        if (counts[s] && senders[s]) {
            printf("signal %d x%d from %d\n", s, (int) counts[s], (int) senders[s]);
        } else if (counts[s]) {
            printf("signal %d x%d\n", s, (int) counts[s]);
        }
    }
    printf("done\n");
    return 0;
}

// Calls the kernel never fails with EINTR, made under a 200 us SIGALRM interval timer whose handler
// lacks SA_RESTART (so a call the signal interrupts would fail with EINTR rather than be repeated).
//
// Usage: uninterruptible_calls kill COUNT
//   COUNT kill(getpid(), SIGUSR1), each of which natively succeeds and has SIGUSR1 handled before
//   it returns. Prints the counts: natively COUNT ok, no EINTR, SIGUSR1 handled COUNT times.
// Usage: uninterruptible_calls create COUNT DIR
//   COUNT open(O_CREAT|O_EXCL|O_WRONLY) of distinct regular files in DIR (which must be empty),
//   each closed once it opened. Prints how many opens failed with EEXIST (a create made twice) or
//   another error but EINTR, how many files an open that failed with EINTR left made, and whether
//   DIR holds one file per fd returned: natively none, none, none, and yes (no open fails at all).
// The number of SIGALRMs handled, of opens that failed with EINTR, and of calls a SIGALRM came
// during (its handler ran between the call and its return: "signals in calls: N") go to stderr:
// they vary.
//
// 200 us: a timer faster than seccheck's hold of a call (its decision, its open) ends every hold,
// and the program makes no progress (at 50 us, on a day a ptrace stop took 17 us here, the kills
// did not end in 40 s).
enum { INTERVAL_US = 200 };
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t usr1, alarms;

static void on_usr1(int sig) { (void)sig; usr1++; }
static void on_alarm(int sig) { (void)sig; alarms++; }

static void handle(int sig, void (*handler)(int)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = 0; // no SA_RESTART: an interrupted call fails with EINTR
    sigaction(sig, &sa, 0);
}

static void timer_us(long us) {
    struct itimerval it = {{0, us}, {0, us}};
    setitimer(ITIMER_REAL, &it, 0);
}

static int files_in(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) {
        return -1;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            n++;
        }
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s kill|create COUNT [DIR]\n", argv[0]);
        return 2;
    }
    int count = atoi(argv[2]);
    int ok = 0, eintr = 0, eexist = 0, other = 0, behind = 0, hit = 0;
    handle(SIGUSR1, on_usr1);
    handle(SIGALRM, on_alarm);
    if (!strcmp(argv[1], "kill")) {
        timer_us(INTERVAL_US);
        for (int i = 0; i < count; i++) {
            sig_atomic_t before = alarms;
            int r = kill(getpid(), SIGUSR1);
            hit += alarms != before;
            if (r == 0) {
                ok++;
            } else if (errno == EINTR) {
                eintr++;
            } else {
                other++;
            }
        }
        timer_us(0);
        printf("kill: %d ok, %d EINTR, %d other errors; SIGUSR1 handled %d times\n", ok, eintr, other, (int)usr1);
    } else if (!strcmp(argv[1], "create") && argc > 3) {
        char path[4096];
        timer_us(INTERVAL_US);
        for (int i = 0; i < count; i++) {
            snprintf(path, sizeof path, "%s/f%d", argv[3], i);
            sig_atomic_t before = alarms;
            int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
            hit += alarms != before;
            if (fd >= 0) {
                ok++;
                close(fd);
            } else if (errno == EINTR) {
                eintr++;
                if (access(path, F_OK) == 0) {
                    behind++; // made, though the open said it failed
                }
            } else if (errno == EEXIST) {
                eexist++;
            } else {
                other++;
            }
        }
        timer_us(0);
        int files = files_in(argv[3]);
        printf("create: %d EEXIST, %d other errors, %d files made behind an EINTR, %s\n", eexist, other, behind,
               files == ok + behind && ok + eintr + eexist + other == count ? "one file per fd returned"
                                                                          : "files and fds differ");
        fprintf(stderr, "%d of %d opens failed with EINTR (%d files)\n", eintr, count, files);
    } else {
        fprintf(stderr, "unknown mode %s\n", argv[1]);
        return 2;
    }
    fprintf(stderr, "%d SIGALRM handled\nsignals in calls: %d\n", (int)alarms, hit);
    return 0;
}

// A process of the run ends while seccheck is about to signal it, and its pid is taken by a process
// outside the run, before seccheck sends the signal. Run in a pid namespace whose pid_max is small
// and filled by this program (until no fork succeeds: a fill by time fell short on a loaded
// machine), so that the freed pid is the next one given out (to the outside
// daemon pid_reuse_victim.c, which forks all the time). seccheck is held where it has looked at the
// process but not yet signalled it by its alert, which it writes to the run's terminal: the
// program stops the terminal's output (tcflow TCOOFF) first and restarts it once the pid was taken.
//
// Usage: pid_reuse open|group ROUNDS FILE
//   open:  child X opens FILE (which a kill rule names) from a second thread and exits 300 ms
//          later; seccheck's kill of X comes after its alert.
//   group: a thread calls kill(0, SIGUSR1) (every process here ignores USR1; seccheck's alert for
//          the kill point holds the signals seccheck sends for it), then child X exits.
// Prints, per round, whether X's pid had been taken by another process when the terminal restarted.
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define NX 20

static const char *file;
static volatile int go;

static void closeall(int keep) {
    for (int fd = 3; fd < 1024; fd++) {
        if (fd != keep) {
            close(fd);
        }
    }
}

static long now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000L + t.tv_nsec / 1000;
}

// Forks children that wait for good (they die with this process) until the pid space is full: no
// fork has succeeded for 200 ms (the outside daemon takes a number now and then, and frees it
// 300 ms later). Gives up after max_ms. Returns how many children it made.
static long fill(long max_ms) {
    long start = now_us(), last = start, made = 0;
    while (now_us() - last < 200000 && now_us() - start < max_ms * 1000) {
        pid_t p = fork();
        if (p < 0) {
            usleep(50);
            continue;
        }
        if (p == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            closeall(-1);
            for (;;) {
                pause();
            }
        }
        made++;
        last = now_us();
    }
    return made;
}

static void *opener(void *a) {
    (void) a;
    while (!go) {
        usleep(100);
    }
    open(file, O_RDONLY);
    return NULL;
}

// Calls kill(0, SIGUSR1) for each byte read from go_pipe, and writes a byte to done_pipe after each.
// Started before the pid space is full: a thread takes a pid too.
static int go_pipe[2], done_pipe[2];

static void *group_killer(void *a) {
    (void) a;
    char c;
    while (read(go_pipe[0], &c, 1) == 1) {
        if (kill(0, SIGUSR1) != 0) {
            perror("kill(0)");
        }
        write(done_pipe[1], &c, 1);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: pid_reuse open|group ROUNDS FILE\n");
        return 2;
    }
    int group = strcmp(argv[1], "group") == 0;
    int rounds = atoi(argv[2]);
    file = argv[3];
    if (rounds > NX) {
        rounds = NX;
    }
    signal(SIGUSR1, SIG_IGN);
    // pids below 300 are not given again once the numbers wrap: start above them.
    for (;;) {
        pid_t b = fork();
        if (b == 0) {
            _exit(0);
        }
        waitpid(b, NULL, 0);
        if (b >= 310) {
            break;
        }
    }
    pid_t xs[NX];
    int xp[NX];
    if (group) {
        pthread_t killer;
        if (pipe(go_pipe) != 0 || pipe(done_pipe) != 0 || pthread_create(&killer, NULL, group_killer, NULL) != 0) {
            perror("killer thread");
            return 1;
        }
    }
    for (int i = 0; i < rounds; i++) {
        int fds[2];
        if (pipe(fds) != 0) {
            perror("pipe");
            return 1;
        }
        pid_t x = fork();
        if (x == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            closeall(fds[0]);
            pthread_t t;
            if (!group && pthread_create(&t, NULL, opener, NULL) != 0) {
                _exit(3);
            }
            char c;
            read(fds[0], &c, 1);
            go = 1;
            if (!group) {
                usleep(300000); // the opener's call is held: seccheck writes its alert
            }
            _exit(0);
        }
        close(fds[0]);
        xs[i] = x;
        xp[i] = fds[1];
    }
    long t0 = now_us();
    long made = fill(60000);
    fprintf(stderr, "pid space filled: %ld children in %ld ms\n", made, (now_us() - t0) / 1000);
    int taken = 0;
    for (int r = 0; r < rounds; r++) {
        pid_t x = xs[r];
        tcflow(1, TCOOFF); // seccheck's alert will wait
        char c = 'k';
        if (group) {
            write(go_pipe[1], &c, 1);
            usleep(300000); // seccheck has listed the group and waits to write its alert
        }
        write(xp[r], "g", 1);
        int st;
        waitpid(x, &st, 0); // X is reaped: its pid is free
        char p[64];
        snprintf(p, sizeof p, "/proc/%d/stat", x);
        int reused = 0;
        for (long t1 = now_us(); now_us() - t1 < 5000000;) {
            if (access(p, F_OK) == 0) {
                reused = 1;
                break;
            }
            usleep(100);
        }
        tcflow(1, TCOON); // seccheck writes its alert, then signals
        if (group) {
            read(done_pipe[0], &c, 1);
        }
        usleep(100000);
        taken += reused;
        fprintf(stderr, "round %d: X=%d %s\n", r, x, reused ? "taken by another process" : "not taken");
        fill(10000);
    }
    fprintf(stderr, "taken in %d of %d rounds\n", taken, rounds);
    return 0;
}

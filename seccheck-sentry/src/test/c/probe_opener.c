/*
 * probe_opener DIR: three processes of two threads each open DIR/probe-0 .. DIR/probe-49 in a
 * loop, and a fourth forks short-lived children that do the same once, until DIR/stop exists
 * (or 120 s of CPU time passed); the openers' pids go to DIR/openers and,
 * at the end, each opener writes DIR/ok-PID: per probe, the CLOCK_MONOTONIC ns of its last open
 * that succeeded (0 for none). A workload for sessions created at runtime: each one denies one probe.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *dir;
/** Per probe, the CLOCK_MONOTONIC time of the last open that succeeded in this process. */
static long long last_ok[50];

static int stopped(void) {
    char path[4096];
    snprintf(path, sizeof path, "%s/stop", dir);
    return access(path, F_OK) == 0 || clock() > 120L * CLOCKS_PER_SEC;
}

static void round_of_opens(void) {
    char path[4096];
    for (int k = 0; k < 50; k++) {
        snprintf(path, sizeof path, "%s/probe-%d", dir, k);
        int fd = open(path, O_RDONLY);
        if (fd >= 0) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            __atomic_store_n(&last_ok[k], now.tv_sec * 1000000000LL + now.tv_nsec, __ATOMIC_RELAXED);
            close(fd);
        }
    }
}

static void *opener(void *arg) {
    (void) arg;
    while (!stopped()) {
        round_of_opens();
    }
    return NULL;
}

int main(int argc, char **argv) {
    dir = argc > 1 ? argv[1] : ".";
    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            pthread_t t;
            pthread_create(&t, NULL, opener, NULL);
            opener(NULL);
            pthread_join(t, NULL);
            char path[4096];
            snprintf(path, sizeof path, "%s/ok-%d", dir, (int) getpid());
            FILE *f = fopen(path, "w");
            for (int k = 0; f != NULL && k < 50; k++) {
                fprintf(f, "%d %lld\n", k, last_ok[k]);
            }
            if (f != NULL) {
                fclose(f);
            }
            return 0;
        }
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/openers", dir);
    FILE *f = fopen(path, "w");
    for (int i = 0; f != NULL && i < 3; i++) {
        fprintf(f, "%d\n", kids[i]);
    }
    if (f != NULL) {
        fclose(f);
    }
    while (!stopped()) {
        pid_t p = fork();
        if (p == 0) {
            round_of_opens();
            _exit(0);
        }
        waitpid(p, NULL, 0);
        usleep(20000);
    }
    for (int i = 0; i < 3; i++) {
        waitpid(kids[i], NULL, 0);
    }
    return 0;
}

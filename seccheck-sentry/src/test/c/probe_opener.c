/*
 * probe_opener DIR: three processes of two threads each open DIR/probe-0 .. DIR/probe-49 in a
 * loop, and a fourth forks short-lived children that do the same once, until DIR/stop exists
 * (or 120 s of CPU time passed); the openers' pids go to DIR/openers. A workload for sessions created at runtime: each one denies one probe.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *dir;

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

// Processes killed while their threads open files.
//
// Usage: killed_while_opening ROUNDS PATH
//   ROUNDS times: forks a process whose four threads open and close PATH in a loop, lets it run
//   2 ms, SIGKILLs it and reaps it. Prints how many of them SIGKILL ended. A supervisor deciding
//   on those opens meets calls whose task is gone before their path is copied.
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *path;

static void *opener(void *arg) {
    (void) arg;
    for (;;) {
        int fd = open(path, O_RDONLY);
        if (fd >= 0) close(fd);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: killed_while_opening ROUNDS PATH\n");
        return 2;
    }
    int rounds = atoi(argv[1]);
    path = argv[2];
    int killed = 0;
    for (int i = 0; i < rounds; i++) {
        pid_t child = fork();
        if (child < 0) {
            perror("fork");
            return 1;
        }
        if (child == 0) {
            pthread_t t;
            for (int k = 0; k < 3; k++) pthread_create(&t, NULL, opener, NULL);
            opener(NULL);
        }
        usleep(2000);
        kill(child, SIGKILL);
        int status;
        if (waitpid(child, &status, 0) == child && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) killed++;
    }
    printf("SIGKILL ended %d of %d\n", killed, rounds);
    return 0;
}

/*
 * fifo_reader_killed DIR ROUNDS: whether a FIFO open of a killed process still counts as a reader
 * once its parent has been told of the death (after the red team's fifoexec.c, mode 3). Each
 * round makes a FIFO in DIR and forks a child whose second thread opens it for reading (and waits
 * there for a writer) while its first thread kills the process (SIGKILL) 30 ms later. Once
 * waitpid has returned the child's death, the parent opens the FIFO for writing with O_NONBLOCK:
 * natively that fails with ENXIO, as no reader is left. Prints "writer opens that found a reader:
 * N of R".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char fifo[4096];

static void *reader(void *unused) {
    open(fifo, O_RDONLY);
    return unused;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: fifo_reader_killed DIR ROUNDS\n");
        return 2;
    }
    int rounds = atoi(argv[2]), found = 0, enxio = 0;
    for (int i = 0; i < rounds; i++) {
        snprintf(fifo, sizeof fifo, "%s/f%d", argv[1], i);
        if (mkfifo(fifo, 0600) != 0) {
            perror("mkfifo");
            return 1;
        }
        pid_t child = fork();
        if (child == 0) {
            pthread_t t;
            pthread_create(&t, NULL, reader, NULL);
            usleep(30000);
            kill(getpid(), SIGKILL);
            _exit(1);
        }
        int status;
        waitpid(child, &status, 0);
        int w = open(fifo, O_WRONLY | O_NONBLOCK);
        if (w >= 0) {
            found++;
            close(w);
        } else if (errno == ENXIO) {
            enxio++;
        } else {
            perror("open for writing");
        }
        unlink(fifo);
    }
    printf("writer opens that found a reader: %d of %d (ENXIO %d)\n", found, rounds, enxio);
    return 0;
}

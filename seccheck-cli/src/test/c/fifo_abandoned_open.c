// A thread waits in open(FIFO, O_RDONLY); main interrupts it with SIGUSR1 (a handler without
// SA_RESTART) and spins until the open has returned EINTR; then it opens the FIFO
// O_WRONLY|O_NONBLOCK: natively ENXIO every time, the interrupted open left no reader behind
// (red-team report R4, fifoab.c). Usage: fifo_abandoned_open ROUNDS DIR
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fifo[512];
static volatile int state;
static volatile int reader_fd;

static void on_usr1(int sig) { (void)sig; }

static void *reader(void *unused) {
    (void)unused;
    state = 1;
    int fd = open(fifo, O_RDONLY);
    reader_fd = fd;
    state = 2;
    if (fd >= 0) {
        close(fd);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s ROUNDS DIR\n", argv[0]);
        return 2;
    }
    int rounds = atoi(argv[1]), enxio = 0, opened = 0, reader_opened = 0, other = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    snprintf(fifo, sizeof fifo, "%s/fifo", argv[2]);
    for (int r = 0; r < rounds; r++) {
        unlink(fifo);
        mkfifo(fifo, 0666);
        state = 0;
        pthread_t t;
        pthread_create(&t, NULL, reader, NULL);
        while (state != 1) {
            usleep(100);
        }
        usleep(20000); // the reader waits in its open
        pthread_kill(t, SIGUSR1);
        while (state != 2) {
        }
        int fd = open(fifo, O_WRONLY | O_NONBLOCK);
        if (fd >= 0) {
            opened++;
            close(fd);
        } else if (errno == ENXIO) {
            enxio++;
        } else {
            other++;
        }
        pthread_join(t, NULL);
        if (reader_fd >= 0) {
            reader_opened++;
        }
    }
    unlink(fifo);
    printf("%d rounds: writer ENXIO %d, writer opened %d, reader opened %d, other %d\n", rounds, enxio, opened,
            reader_opened, other);
    return 0;
}

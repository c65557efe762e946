/*
 * A FIFO's pipe lock held by the program while another of its processes opens files
 * (FifoLockTest, after the red team's splicelock.c). Usage: fifo_lock_held DIR HOLD
 * A thread splices from an empty unix socket into DIR/fifo, held open O_RDWR: the kernel keeps the
 * FIFO's pipe mutex while the splice waits for socket data, which a child sends HOLD seconds later.
 * Meanwhile the main thread opens the FIFO O_RDWR|O_NONBLOCK (it waits for the mutex), and an
 * unrelated child process opens /etc/passwd every 100 ms. Prints how long the FIFO open took and
 * its result, and the child's worst open. Natively only the FIFO opener waits.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "held_fifo_lock.h"


int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: fifo_lock_held DIR HOLD\n");
        return 2;
    }
    int hold = atoi(argv[2]);
    char path[4096];
    snprintf(path, sizeof path, "%s/fifo", argv[1]);
    if (mkfifo(path, 0600) != 0 || (ffd = open(path, O_RDWR)) < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        perror("setup");
        return 2;
    }
    pid_t other;
    pthread_t th;
    hold_fifo_lock(hold, &other, &th);
    double t = now();
    int f = open(path, O_RDWR | O_NONBLOCK);
    printf("fifo open: %s after %.1f s\n", f >= 0 ? "ok" : "failed", now() - t);
    fflush(stdout);
    pthread_join(th, NULL);
    waitpid(other, NULL, 0);
    while (wait(NULL) > 0) {
    }
    unlink(path);
    return 0;
}

// Opens of a FIFO that has no writer, each interrupted after 3 ms by a SIGALRM whose handler lacks
// SA_RESTART (EINTR), each a different call from the one before (the path pointer and O_CLOEXEC
// alternate), so that no repeat takes an earlier one over; the task lives on. Then two calls that
// may wait: an O_RDWR open of another FIFO (never waits) and of /dev/null.
// Usage: fifo_eintr COUNT DIR. Waits for DIR/go before the opens, prints one line after them, and
// waits for DIR/stop (at most two minutes) before it ends, so that its supervisor can be looked at.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void on_alarm(int sig) { (void)sig; }

/** Waits until PATH exists, polling every 20 ms for at most two minutes; 0 when it does. */
static int await_file(const char *path) {
    struct timespec slice = {0, 20 * 1000 * 1000};
    for (int i = 0; i < 6000; i++) {
        if (access(path, F_OK) == 0) return 0;
        nanosleep(&slice, NULL);
    }
    return -1;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: fifo_eintr COUNT DIR\n"); return 2; }
    int count = atoi(argv[1]);
    const char *dir = argv[2];
    char fifo[2][512], other[512], go[512], stop[512];
    snprintf(fifo[0], sizeof fifo[0], "%s/fifo", dir);
    strcpy(fifo[1], fifo[0]); // the same path at another address: a different call
    snprintf(other, sizeof other, "%s/fifo.b", dir);
    snprintf(go, sizeof go, "%s/go", dir);
    snprintf(stop, sizeof stop, "%s/stop", dir);
    if (mkfifo(fifo[0], 0666) || mkfifo(other, 0666)) { perror("mkfifo"); return 1; }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; // no SA_RESTART: the open fails with EINTR
    sigaction(SIGALRM, &sa, NULL);
    if (await_file(go)) { fprintf(stderr, "no %s\n", go); return 1; }
    int eintr = 0;
    for (int i = 0; i < count; i++) {
        struct itimerval in3ms = {{0, 0}, {0, 3000}}, off = {{0, 0}, {0, 0}};
        setitimer(ITIMER_REAL, &in3ms, NULL);
        int fd = open(fifo[i & 1], O_RDONLY | ((i & 2) ? O_CLOEXEC : 0));
        int e = errno;
        setitimer(ITIMER_REAL, &off, NULL);
        if (fd < 0 && e == EINTR) eintr++;
        else if (fd >= 0) close(fd);
        else fprintf(stderr, "open %d: %s\n", i, strerror(e));
    }
    int rdwr = open(other, O_RDWR);
    int rdwr_errno = errno;
    int null = open("/dev/null", O_RDONLY);
    int null_errno = errno;
    printf("EINTR %d of %d; fifo O_RDWR %s; /dev/null %s\n", eintr, count,
           rdwr >= 0 ? "ok" : strerror(rdwr_errno), null >= 0 ? "ok" : strerror(null_errno));
    fflush(stdout);
    if (await_file(stop)) { fprintf(stderr, "no %s\n", stop); return 1; }
    return 0;
}

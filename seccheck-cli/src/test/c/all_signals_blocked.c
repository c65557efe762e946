// A program that blocks every signal it can in every thread (a second thread too), then opens
// DIR/tick every 50 ms until DIR/stop exists (at most two minutes). A supervisor that reaches its
// tracer through a signal to the program's threads never gets there.
//
// Usage: all_signals_blocked DIR
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static const char *dir;

static void *ticking(void *arg) {
    (void) arg;
    char tick[4096], stop[4096];
    snprintf(tick, sizeof tick, "%s/tick", dir);
    snprintf(stop, sizeof stop, "%s/stop", dir);
    for (int i = 0; i < 2400 && access(stop, F_OK) != 0; i++) {
        int fd = open(tick, O_RDONLY);
        if (fd >= 0) close(fd);
        struct timespec t = {0, 50000000};
        nanosleep(&t, NULL);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: all_signals_blocked DIR\n");
        return 2;
    }
    dir = argv[1];
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL); // the thread below inherits the mask
    pthread_t t;
    pthread_create(&t, NULL, ticking, NULL);
    ticking(NULL);
    pthread_join(t, NULL);
    return 0;
}

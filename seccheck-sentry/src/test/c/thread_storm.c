/*
 * thread_storm N: N threads open and close a file in a loop while, after 300 ms, a new thread
 * calls exit_group(3). Natively it ends in about 0.3 s with status 3; a tracer that serves
 * stopped threads unfairly starves the clone or the exit_group behind the busy threads' stops.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void *busy(void *arg) {
    (void) arg;
    for (;;) {
        int fd = open("/etc/hostname", O_RDONLY);
        if (fd >= 0) {
            close(fd);
        }
    }
    return NULL;
}

static void *ender(void *arg) {
    (void) arg;
    syscall(SYS_exit_group, 3);
    return NULL;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 32;
    pthread_t t;
    for (int i = 0; i < n; i++) {
        if (pthread_create(&t, NULL, busy, NULL) != 0) {
            return 2;
        }
    }
    struct timespec ms300 = {0, 300 * 1000 * 1000};
    nanosleep(&ms300, NULL);
    if (pthread_create(&t, NULL, ender, NULL) != 0) {
        return 2;
    }
    pause();
    return 1;
}

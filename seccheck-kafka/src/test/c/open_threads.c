/* open_threads DIR THREADS PER_THREAD: each thread i opens DIR/t<i>-<n> for n = 0..PER_THREAD-1
 * (the files need not exist), so a test knows every openat point in advance and the order in
 * which each thread made them. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *dir;
static int per_thread;

static void *opener(void *arg) {
    long i = (long)arg;
    char path[4096];
    for (int n = 0; n < per_thread; n++) {
        snprintf(path, sizeof path, "%s/t%ld-%d", dir, i, n);
        int fd = open(path, O_RDONLY);
        if (fd >= 0) close(fd);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: open_threads DIR THREADS PER_THREAD\n");
        return 2;
    }
    dir = argv[1];
    int threads = atoi(argv[2]);
    per_thread = atoi(argv[3]);
    pthread_t t[256];
    if (threads < 1 || threads > 256) return 2;
    for (long i = 0; i < threads; i++) {
        if (pthread_create(&t[i], NULL, opener, (void *)i) != 0) return 1;
    }
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    return 0;
}

// A thread with a descriptor table of its own (unshare(CLONE_FILES)) opens relative to its fd 10,
// which names DIR/b, while its process's first thread has DIR/a at fd 10; it prints what it read,
// or the error.
// Usage: thread_fd_table DIR
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char a[4096], b[4096];

/* Puts directory PATH at fd 10 of the calling thread's table: 0, or -1 with a line. */
static int at_ten(const char *path) {
    int d = open(path, O_RDONLY | O_DIRECTORY);
    if (d < 0 || dup2(d, 10) != 10) {
        perror(path);
        return -1;
    }
    close(d);
    return 0;
}

static void *own_table(void *unused) {
    (void) unused;
    if (unshare(CLONE_FILES)) {
        perror("unshare(CLONE_FILES)");
        return NULL;
    }
    if (at_ten(b)) {
        return NULL;
    }
    int fd = openat(10, "data", O_RDONLY);
    if (fd < 0) {
        printf("openat(10, \"data\"): %s\n", strerror(errno));
        return NULL;
    }
    char data[100] = {0};
    ssize_t n = read(fd, data, sizeof data - 1);
    printf("openat(10, \"data\") read: %s", n > 0 ? data : "nothing\n");
    close(fd);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: thread_fd_table DIR\n");
        return 2;
    }
    snprintf(a, sizeof a, "%s/a", argv[1]);
    snprintf(b, sizeof b, "%s/b", argv[1]);
    if (at_ten(a)) {
        return 1;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, own_table, NULL) || pthread_join(t, NULL)) {
        perror("pthread");
        return 1;
    }
    fflush(stdout);
    return 0;
}

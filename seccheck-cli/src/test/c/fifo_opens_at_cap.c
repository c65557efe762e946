/*
 * Opens that never wait, made while more FIFO opens wait than seccheck takes (FifoOpensAtCapTest,
 * after the red team's capfifo.c and manyfifo.c). Usage: fifo_opens_at_cap DIR N WRITERS
 * N threads each open DIR/fN O_RDONLY, which waits for a writer. Once all have started and a
 * second has passed, the main thread opens /etc/hostname, DIR/spare O_RDONLY|O_NONBLOCK and
 * O_RDWR (none waits natively), then WRITERS threads at once open every DIR/fN
 * O_WRONLY|O_NONBLOCK: with its reader waiting that succeeds and releases the reader, without
 * one it fails with ENXIO. Prints each result, then waits at most 10 s for the readers to
 * return, and joins them if they all did (a program that joins its threads ends).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char dir[4096];
static int n, writers;
static int started, returned, readersOk, readersEagain, readersOther;
static int writersOk, writersEnxio, writersOther, lastOther;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void fifo(char *path, size_t size, long i) {
    snprintf(path, size, "%s/f%ld", dir, i);
}

static void *reader(void *arg) {
    char path[4200];
    fifo(path, sizeof path, (long) arg);
    __atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
    int fd = open(path, O_RDONLY);
    int e = errno;
    pthread_mutex_lock(&lock);
    if (fd >= 0) {
        close(fd);
        readersOk++;
    } else if (e == EAGAIN) {
        readersEagain++;
    } else {
        readersOther++;
        lastOther = e;
    }
    returned++;
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void *writer(void *arg) {
    char path[4200];
    for (long i = (long) arg; i < n; i += writers) {
        fifo(path, sizeof path, i);
        int fd = open(path, O_WRONLY | O_NONBLOCK);
        int e = errno;
        pthread_mutex_lock(&lock);
        if (fd >= 0) {
            close(fd); // its reader's open has returned: it saw the writer come
            writersOk++;
        } else if (e == ENXIO) {
            writersEnxio++;
        } else {
            writersOther++;
            lastOther = e;
        }
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static const char *result(int fd) {
    return fd >= 0 ? "ok" : strerrorname_np(errno);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: fifo_opens_at_cap DIR N WRITERS\n");
        return 2;
    }
    snprintf(dir, sizeof dir, "%s", argv[1]);
    n = atoi(argv[2]);
    writers = atoi(argv[3]);
    char path[4200];
    snprintf(path, sizeof path, "%s/spare", dir);
    if (mkfifo(path, 0600) != 0) {
        perror("mkfifo spare");
        return 2;
    }
    for (long i = 0; i < n; i++) {
        char f[4200];
        fifo(f, sizeof f, i);
        if (mkfifo(f, 0600) != 0) {
            perror("mkfifo");
            return 2;
        }
    }
    pthread_attr_t small;
    pthread_attr_init(&small);
    pthread_attr_setstacksize(&small, 65536);
    pthread_t *readers = calloc(n, sizeof *readers);
    for (long i = 0; i < n; i++) {
        if (pthread_create(&readers[i], &small, reader, (void *) i) != 0) {
            printf("pthread_create failed at %ld\n", i);
            return 2;
        }
    }
    while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < n) {
        usleep(10000);
    }
    sleep(1); // for the last readers to be in their opens
    printf("regular file: %s\n", result(open("/etc/hostname", O_RDONLY)));
    printf("spare O_RDONLY|O_NONBLOCK: %s\n", result(open(path, O_RDONLY | O_NONBLOCK)));
    printf("spare O_RDWR: %s\n", result(open(path, O_RDWR)));
    pthread_t *ws = calloc(writers, sizeof *ws);
    for (long w = 0; w < writers; w++) {
        pthread_create(&ws[w], &small, writer, (void *) w);
    }
    for (long w = 0; w < writers; w++) {
        pthread_join(ws[w], NULL);
    }
    for (int tenths = 0; tenths < 100; tenths++) {
        pthread_mutex_lock(&lock);
        int all = returned == n;
        pthread_mutex_unlock(&lock);
        if (all) {
            break;
        }
        usleep(100000);
    }
    pthread_mutex_lock(&lock);
    printf("writers: ok=%d ENXIO=%d other=%d\n", writersOk, writersEnxio, writersOther);
    printf("readers: ok=%d EAGAIN=%d other=%d waiting=%d\n", readersOk, readersEagain, readersOther, n - returned);
    if (lastOther != 0) {
        printf("last other errno: %s\n", strerrorname_np(lastOther));
    }
    int all = returned == n;
    pthread_mutex_unlock(&lock);
    fflush(stdout);
    if (!all) {
        _exit(0);
    }
    for (long i = 0; i < n; i++) {
        pthread_join(readers[i], NULL);
    }
    printf("joined\n");
    return 0;
}

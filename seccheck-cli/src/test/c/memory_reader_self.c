/* memory_reader_self: a thread reads its own process's memory once with process_vm_readv (the
 * "safe read" of crash handlers and unwinders) and then computes without a system call; 50 ms
 * later the main thread executes /bin/echo "exec ok". Natively the exec succeeds. The exec ends
 * the reading thread before the new program is mapped, so its call cannot read that program. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long spins;
static volatile int read_done;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void *reader(void *unused) {
    char from[32] = "probe", to[32];
    struct iovec local = {to, sizeof to}, remote = {from, sizeof from};
    if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)sizeof from) perror("process_vm_readv");
    read_done = 1;
    for (;;) spins++;
    return unused;
}

int main(void) {
    pthread_t t;
    if (pthread_create(&t, NULL, reader, NULL) != 0) return 2;
    while (!read_done) spins++;
    for (double start = now(); now() - start < 0.05;) spins++;
    execl("/bin/echo", "echo", "exec ok", (char *)NULL);
    perror("execl");
    return 1;
}

// Threads that send messages naming far more descriptors than the kernel takes from one message
// (SCM_RIGHTS records filling 64 KiB: 16,380 copies of one descriptor), beside a process of the
// same run doing ordinary work: opens and execs. Natively every such send fails with EINVAL (the
// kernel counts a record's descriptors before it looks at any) and the other process never fails.
// Each thread sends on a socket of its own: a socket's ancillary data in flight is bounded
// (optmem_max, 128 KiB), past which a send fails with ENOBUFS.
//
// Usage: fd_storm THREADS SECONDS
// Prints what failed: "victim: 0 opens failed, 0 execs failed" and "storm: every send EINVAL".
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CONTROL 65536

static int passed;
static volatile int stop;
static long sends, einval, other;
static int other_errno;

static void *storm(void *unused) {
    (void) unused;
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair)) {
        perror("fd_storm: socketpair");
        exit(1);
    }
    char byte = 'x';
    struct iovec iov = {&byte, 1};
    char *buf = calloc(1, CONTROL);
    struct cmsghdr *c = (struct cmsghdr *) buf;
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CONTROL;
    int *fds = (int *) CMSG_DATA(c);
    for (size_t i = 0; i < (CONTROL - sizeof(struct cmsghdr)) / sizeof(int); i++) {
        fds[i] = passed;
    }
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = CONTROL};
    while (!stop) {
        ssize_t r = sendmsg(pair[0], &m, MSG_NOSIGNAL | MSG_DONTWAIT);
        __sync_fetch_and_add(&sends, 1);
        if (r >= 0) {
            __sync_fetch_and_add(&other, 1);
        } else if (errno == EINVAL) {
            __sync_fetch_and_add(&einval, 1);
        } else {
            __sync_fetch_and_add(&other, 1);
            other_errno = errno;
        }
    }
    free(buf);
    close(pair[0]);
    close(pair[1]);
    return NULL;
}

static void victim(int seconds) {
    usleep(200000); // the storm first
    long opens = 0, openFailed = 0, execs = 0, execFailed = 0;
    int lastOpen = 0;
    time_t end = time(NULL) + seconds;
    while (time(NULL) < end) {
        int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
        opens++;
        if (fd < 0) {
            openFailed++;
            lastOpen = errno;
        } else {
            close(fd);
        }
        pid_t p = fork();
        if (p == 0) {
            execl("/bin/true", "true", (char *) NULL);
            _exit(127);
        }
        int status;
        execs++;
        if (p < 0 || waitpid(p, &status, 0) != p || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            execFailed++;
        }
    }
    printf("victim: %ld opens failed, %ld execs failed\n", openFailed, execFailed);
    if (openFailed) {
        fprintf(stderr, "victim: %ld of %ld opens failed, the last with %s; %ld of %ld execs failed\n", openFailed,
                opens, strerrorname_np(lastOpen), execFailed, execs);
    }
    fflush(stdout);
    _exit(0);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: fd_storm THREADS SECONDS\n");
        return 2;
    }
    int threads = atoi(argv[1]);
    int seconds = atoi(argv[2]);
    if (threads < 1 || threads > 64 || seconds < 1) {
        fprintf(stderr, "fd_storm: 1-64 threads, at least a second\n");
        return 2;
    }
    fflush(stdout);
    pid_t v = fork();
    if (v == 0) {
        victim(seconds);
    }
    passed = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (passed < 0) {
        perror("fd_storm");
        return 1;
    }
    pthread_t t[64];
    for (int i = 0; i < threads; i++) {
        pthread_create(&t[i], NULL, storm, NULL);
    }
    int status;
    waitpid(v, &status, 0);
    stop = 1;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
    }
    if (other == 0 && sends > 0) {
        printf("storm: every send EINVAL\n");
    } else {
        printf("storm: %ld of %ld sends not EINVAL, the last %s\n", other, sends,
                other_errno ? strerrorname_np(other_errno) : "sent");
    }
    fprintf(stderr, "storm: %ld sends\n", sends);
    return 0;
}

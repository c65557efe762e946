// Threads that each wait in a send passing 253 descriptors, on unix stream sockets whose buffers
// are full: seccheck holds every descriptor such a send passes for as long as it waits
// (PassedFdBudget). Usage: waiting_passes THREADS SECONDS. After SECONDS, prints how many sends
// were refused with ETOOMANYREFS, failed otherwise, and still wait; then ends (the waiting sends
// with it).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PASSED 253

static atomic_int refused, failed;

static void *send_many(void *arg) {
    int fd = (int) (long) arg;
    char byte = 1;
    struct iovec iov = {&byte, 1};
    union {
        char buf[CMSG_SPACE(PASSED * sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                       .msg_controllen = sizeof control.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(PASSED * sizeof(int));
    int *fds = (int *) CMSG_DATA(c);
    for (int i = 0; i < PASSED; i++) {
        fds[i] = 0;
    }
    if (sendmsg(fd, &m, 0) < 0) {
        atomic_fetch_add(errno == ETOOMANYREFS ? &refused : &failed, 1);
    }
    return NULL;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 8;
    int seconds = argc > 2 ? atoi(argv[2]) : 3;
    for (int i = 0; i < threads; i++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
            perror("socketpair");
            return 1;
        }
        int size = 4096;
        setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
        fcntl(sv[0], F_SETFL, O_NONBLOCK);
        char fill[4096] = {0};
        while (write(sv[0], fill, sizeof fill) > 0) {
        }
        fcntl(sv[0], F_SETFL, 0);
        pthread_t t;
        if (pthread_create(&t, NULL, send_many, (void *) (long) sv[0]) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    sleep(seconds);
    int r = atomic_load(&refused), f = atomic_load(&failed);
    printf("refused=%d failed=%d waiting=%d\n", r, f, threads - r - f);
    fflush(stdout);
    _exit(0);
}

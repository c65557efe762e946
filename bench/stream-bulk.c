// A bulk stream: 1 GiB sent with sendmsg of 1 MiB at a time (looping on partial counts) over a
// unix stream socketpair to a forked reader that reads it all. Prints the sender's MB/s.
// Usage: stream-bulk [MiB]   (default 1024)
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MIB = 1 << 20 };

int main(int argc, char **argv) {
    long total = (argc > 1 ? atol(argv[1]) : 1024) * MIB;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) { perror("socketpair"); return 1; }
    pid_t p = fork();
    if (p == 0) {
        close(sv[0]);
        static char buf[MIB];
        long got = 0;
        ssize_t n;
        while ((n = read(sv[1], buf, sizeof buf)) > 0) got += n;
        _exit(got == total ? 0 : 1);
    }
    close(sv[1]);
    char *data = malloc(MIB);
    memset(data, 'x', MIB);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    long sent = 0;
    while (sent < total) {
        long off = sent % MIB;
        struct iovec io = {data + off, MIB - off};
        struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1};
        ssize_t r = sendmsg(sv[0], &m, 0);
        if (r < 0) { perror("sendmsg"); return 1; }
        sent += r;
    }
    close(sv[0]);
    int status;
    waitpid(p, &status, 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    printf("%.0f MB/s%s\n", total / 1e6 / s, WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "" : " (reader short)");
    return 0;
}

// Large sends on stream sockets, whose results a program sees the same natively and under
// seccheck, which makes them in chunks (StreamChunks): each case prints one line.
//
// Usage: stream_chunks
//   whole      sendmsg of 1 MiB in three pieces on a unix stream, a reader reading it all: the
//              count, and whether the reader got the bytes sent, in order
//   tcp        the same over TCP on loopback, with MSG_MORE on the first sendmsg of two
//   nonblock   MSG_DONTWAIT and O_NONBLOCK sends of 1 MiB on a fresh unix stream (the count, a
//              part) and on a full one (EAGAIN)
//   signal     a 1 MiB send to a reader that reads nothing, interrupted by a SIGALRM without
//              SA_RESTART: a partial count, the count the reader then gets
//   closed     a 1 MiB send whose reader closes its end after reading 100 KB: a partial count,
//              no SIGPIPE, then EPIPE
//   fds        sendmsg of 1 MiB with a pipe's descriptor (SCM_RIGHTS): the reader gets one
//              descriptor, with the first bytes, and all the bytes
//   fault      a 1 MiB send whose last 256 KiB are unreadable, to a reader reading it all: a
//              positive count no more than the readable bytes, the count received; and one
//              whose first page is unreadable: EFAULT
//   address    sendto of 1 MiB naming an address on a connected unix stream: EISCONN
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MIB = 1 << 20 };

static unsigned char *pattern(size_t len) {
    unsigned char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (size_t i = 0; i < len; i++) p[i] = (unsigned char)(i * 7 + i / 251);
    return p;
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) && errno == EINTR) {}
}

static const char *result(ssize_t r) {
    static char buf[64];
    if (r < 0) snprintf(buf, sizeof buf, "-1 %s", strerrorname_np(errno));
    else snprintf(buf, sizeof buf, "%zd", r);
    return buf;
}

/** Reads fd to its end (after waiting wait_ms), checks the bytes against the pattern; writes the count to out. */
static void reader(int fd, long wait_ms, int out) {
    sleep_ms(wait_ms);
    unsigned char *want = pattern(4 * MIB);
    static unsigned char buf[65536];
    long got = 0, bad = -1;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        if (bad < 0 && memcmp(buf, want + got, n) != 0) bad = got;
        got += n;
    }
    long report[2] = {got, bad};
    if (write(out, report, sizeof report) != sizeof report) _exit(1);
    _exit(0);
}

/** Forks a reader of sv[1]; returns the pipe its report comes through. */
static int fork_reader(int sv[2], long wait_ms, pid_t *pid) {
    int p[2];
    if (pipe(p)) _exit(1);
    *pid = fork();
    if (*pid == 0) {
        close(sv[0]);
        close(p[0]);
        reader(sv[1], wait_ms, p[1]);
    }
    close(sv[1]);
    close(p[1]);
    return p[0];
}

/** Prints what a send returned (its count when exact, which a partial count the kernel's buffers decide is not) and what the reader got. */
static void report(const char *what, ssize_t r, int exact, int from, pid_t pid) {
    long rep[2] = {-1, -1};
    if (read(from, rep, sizeof rep) != sizeof rep) rep[0] = -2;
    waitpid(pid, 0, 0);
    printf("%s: %s; received %s, %s\n", what, exact || r < 0 ? result(r) : "a count", r == rep[0] ? "the count" : "another count",
           rep[1] < 0 ? "intact" : "corrupt");
}

static void whole(void) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pid_t pid;
    int from = fork_reader(sv, 100, &pid);
    unsigned char *d = pattern(MIB);
    struct iovec io[3] = {{d, 100000}, {d + 100000, 300000}, {d + 400000, MIB - 400000}};
    struct msghdr m = {.msg_iov = io, .msg_iovlen = 3};
    ssize_t r = sendmsg(sv[0], &m, 0);
    close(sv[0]);
    report("unix sendmsg of 1 MiB in three pieces", r, 1, from, pid);
}

static void tcp(void) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    bind(l, (struct sockaddr *)&a, sizeof a);
    listen(l, 1);
    getsockname(l, (struct sockaddr *)&a, &len);
    int sv[2];
    sv[0] = socket(AF_INET, SOCK_STREAM, 0);
    connect(sv[0], (struct sockaddr *)&a, sizeof a);
    sv[1] = accept(l, 0, 0);
    close(l);
    pid_t pid;
    int from = fork_reader(sv, 100, &pid);
    unsigned char *d = pattern(MIB + 1000);
    struct iovec io = {d, MIB};
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1};
    ssize_t r = sendmsg(sv[0], &m, MSG_MORE);
    struct iovec tail = {d + MIB, 1000};
    struct msghdr t = {.msg_iov = &tail, .msg_iovlen = 1};
    ssize_t r2 = sendmsg(sv[0], &t, 0);
    close(sv[0]);
    report(r2 == 1000 ? "tcp sendmsg of 1 MiB with MSG_MORE, then 1000 bytes" : "tcp: the tail not sent", r + r2, 1, from, pid);
}

static void nonblock(void) {
    unsigned char *d = pattern(MIB);
    struct iovec io = {d, MIB};
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1};
    for (int how = 0; how < 2; how++) {
        int sv[2];
        socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
        if (how) fcntl(sv[0], F_SETFL, O_NONBLOCK);
        int flags = how ? 0 : MSG_DONTWAIT;
        ssize_t first = sendmsg(sv[0], &m, flags);
        ssize_t n;
        while ((n = sendmsg(sv[0], &m, flags)) > 0) {}
        ssize_t full = sendmsg(sv[0], &m, flags);
        printf("%s: fresh %s", how ? "O_NONBLOCK" : "MSG_DONTWAIT", result(first));
        printf(", full %s\n", result(full));
        close(sv[0]);
        close(sv[1]);
    }
}

static void on_alarm(int sig) { (void)sig; }

static void signal_case(void) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pid_t pid;
    int from = fork_reader(sv, 800, &pid);
    struct sigaction sa = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa, 0);
    struct itimerval it = {{0, 0}, {0, 300000}};
    setitimer(ITIMER_REAL, &it, 0);
    unsigned char *d = pattern(MIB);
    struct iovec io = {d, MIB};
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1};
    ssize_t r = sendmsg(sv[0], &m, 0);
    close(sv[0]);
    report(r > 0 && r < MIB ? "interrupted send, a partial count" : "interrupted send, not a partial count", r, 0, from, pid);
}

static void closed(void) {
    signal(SIGPIPE, SIG_IGN);
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        static char buf[100000];
        sleep_ms(200);
        long got = 0;
        while (got < (long)sizeof buf) got += read(sv[1], buf + got, sizeof buf - got);
        _exit(0);
    }
    close(sv[1]);
    unsigned char *d = pattern(MIB);
    struct iovec io = {d, MIB};
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1};
    ssize_t r = sendmsg(sv[0], &m, 0);
    waitpid(pid, 0, 0);
    ssize_t after = sendmsg(sv[0], &m, 0);
    printf("send to a reader that closes: %s", r > 0 && r < MIB ? "a partial count" : result(r));
    printf(", then %s\n", result(after));
    close(sv[0]);
}

static void fds(void) {
    int sv[2], p[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pipe(p);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        sleep_ms(100);
        unsigned char *want = pattern(MIB);
        static unsigned char buf[65536];
        long got = 0, bad = -1, nfds = 0, at = -1;
        for (;;) {
            char cbuf[CMSG_SPACE(4 * sizeof(int))];
            struct iovec io = {buf, sizeof buf};
            struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
            ssize_t n = recvmsg(sv[1], &m, 0);
            if (n <= 0) break;
            for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
                if (c->cmsg_type == SCM_RIGHTS) {
                    int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                    int fd;
                    memcpy(&fd, CMSG_DATA(c), sizeof fd);
                    if (nfds == 0) at = got;
                    nfds += k;
                    if (write(fd, "x", 1) != 1) nfds += 100;
                }
            }
            if (bad < 0 && memcmp(buf, want + got, n) != 0) bad = got;
            got += n;
        }
        char x;
        int works = read(p[0], &x, 1) == 1;
        printf("fd passed with 1 MiB: received %ld bytes %s, %ld fd at byte %ld, %s\n", got, bad < 0 ? "intact" : "corrupt",
               nfds, at, works ? "it works" : "it does not work");
        _exit(0);
    }
    close(sv[1]);
    unsigned char *d = pattern(MIB);
    struct iovec io = {d, MIB};
    char cbuf[CMSG_SPACE(sizeof(int))];
    memset(cbuf, 0, sizeof cbuf);
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &p[1], sizeof(int));
    ssize_t r = sendmsg(sv[0], &m, 0);
    close(sv[0]);
    close(p[1]);
    fflush(stdout);
    waitpid(pid, 0, 0);
    printf("sendmsg with an fd: %s\n", result(r));
}

static void fault(void) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pid_t pid;
    int from = fork_reader(sv, 100, &pid);
    unsigned char *d = pattern(MIB);
    mprotect(d + MIB - MIB / 4, MIB / 4, PROT_NONE);
    struct iovec whole = {d, MIB};
    struct msghdr w = {.msg_iov = &whole, .msg_iovlen = 1};
    ssize_t r = sendmsg(sv[0], &w, 0);
    close(sv[0]);
    report(r > 0 && r <= MIB - MIB / 4 ? "send ending in unreadable memory, a count up to it"
                                       : "send ending in unreadable memory, another count", r, 0, from, pid);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    mprotect(d, 4096, PROT_NONE);
    struct iovec io = {d, MIB};
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1};
    printf("send starting in unreadable memory: %s\n", result(sendmsg(sv[0], &m, 0)));
    close(sv[0]);
    close(sv[1]);
}

static void address(void) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct sockaddr_un a = {.sun_family = AF_UNIX, .sun_path = "/tmp/nowhere"};
    unsigned char *d = pattern(MIB);
    printf("sendto naming an address on a connected unix stream: %s\n",
           result(sendto(sv[0], d, MIB, 0, (struct sockaddr *)&a, sizeof a)));
    close(sv[0]);
    close(sv[1]);
}

int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    whole();
    tcp();
    nonblock();
    signal_case();
    closed();
    fds();
    fault();
    address();
    return 0;
}

// Stream and datagram sends (sendmsg) that signals interrupt, as a program with timers sees them.
//
// Usage: signalled_sends restart
//   Sends 2 MiB of 32-bit counters over a unix stream socketpair with sendmsg, looping on partial
//   counts, under a 20 ms SA_RESTART interval timer, to a forked reader that reads slowly for a
//   while (so that the sends wait, and signals find them having sent part of their data). Prints
//   what the reader received and whether it is the stream sent: natively always intact.
// Usage: signalled_sends eintr
//   One sendmsg of 4 MiB on a unix stream socketpair, interrupted after 300 ms by a SIGALRM whose
//   handler lacks SA_RESTART; the reader starts reading 800 ms in and reports its count through a
//   pipe. Prints whether the send returned the count the reader received: natively the partial
//   count, never EINTR once bytes went.
// Usage: signalled_sends timeo
//   A sendmsg to a unix datagram peer whose queue is full, on a socket with SO_SNDTIMEO 2 s,
//   interrupted after 300 ms by a SIGALRM whose handler has SA_RESTART: natively EINTR at once
//   (the kernel never restarts a call on a socket with a timeout, socket(7)).
// Usage: signalled_sends dgram
//   20,000 numbered UDP datagrams to a loopback socket of its own, each named by its address
//   (sendto and sendmsg in turn), under a 200 us timer whose handler lacks SA_RESTART; each is read
//   back before the next. Natively a datagram send never waits: none fails with EINTR, and each
//   datagram arrives once. Prints how many sends failed with EINTR, how many datagrams never
//   arrived and how many arrived more than once; and on stderr "signals in calls: N", the sends a
//   signal came during (its handler ran between the program's call and its return: natively
//   tens, under seccheck, whose decision holds each send, thousands).
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

/** SIGALRMs handled so far. */
static volatile sig_atomic_t alarms;

static void handler(int sig) {
    (void)sig;
    alarms++;
}

static void on_alarm(int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigaction(SIGALRM, &sa, 0);
}

static void timer_ms(long first, long interval) {
    struct itimerval it = {{interval / 1000, (interval % 1000) * 1000}, {first / 1000, (first % 1000) * 1000}};
    setitimer(ITIMER_REAL, &it, 0);
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) && errno == EINTR) {}
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static ssize_t send_all_once(int fd, const char *data, size_t len) {
    struct iovec io = {(void *)data, len};
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1};
    return sendmsg(fd, &m, 0);
}

static int restart(void) {
    enum { N = 2 << 20 };
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) { perror("socketpair"); return 1; }
    pid_t p = fork();
    if (p == 0) {
        close(sv[0]);
        static unsigned char buf[2 * N];
        long got = 0;
        sleep_ms(200);
        for (;;) {
            ssize_t n = read(sv[1], buf + got, sizeof buf - got);
            if (n <= 0) break;
            got += n;
            if (got < N / 2) sleep_ms(15);
        }
        long bad = -1;
        for (long i = 0; i + 4 <= got; i += 4) {
            uint32_t v;
            memcpy(&v, buf + i, 4);
            if (v != (uint32_t)(i / 4)) { bad = i; break; }
        }
        if (got == N && bad < 0) printf("received %ld of %d bytes, intact\n", got, N);
        else printf("received %ld of %d bytes, corrupt from offset %ld\n", got, N, bad);
        _exit(0);
    }
    close(sv[1]);
    static uint32_t data[N / 4];
    for (long i = 0; i < N / 4; i++) data[i] = (uint32_t)i;
    on_alarm(SA_RESTART);
    timer_ms(20, 20);
    long off = 0;
    while (off < N) {
        ssize_t r = send_all_once(sv[0], (char *)data + off, N - off);
        if (r < 0) {
            if (errno == EINTR) continue;
            perror("sendmsg");
            break;
        }
        off += r;
    }
    timer_ms(0, 0);
    close(sv[0]);
    waitpid(p, 0, 0);
    return 0;
}

static int eintr(void) {
    enum { N = 4 << 20 };
    int sv[2], counts[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(counts)) { perror("socketpair"); return 1; }
    pid_t p = fork();
    if (p == 0) {
        close(sv[0]);
        close(counts[0]);
        static char buf[65536];
        long got = 0;
        sleep_ms(800);
        ssize_t n;
        while ((n = read(sv[1], buf, sizeof buf)) > 0) got += n;
        if (write(counts[1], &got, sizeof got) != sizeof got) _exit(1);
        _exit(0);
    }
    close(sv[1]);
    close(counts[1]);
    static char data[N];
    memset(data, 'B', sizeof data);
    on_alarm(0);
    timer_ms(300, 0);
    ssize_t r = send_all_once(sv[0], data, N);
    int e = errno;
    close(sv[0]);
    long got = -1;
    if (read(counts[0], &got, sizeof got) != sizeof got) got = -1;
    waitpid(p, 0, 0);
    if (r < 0) printf("send %s, reader received %ld bytes\n", strerrorname_np(e), got);
    else if (r == got && r > 0 && r < N) printf("send returned a partial count, the count the reader received\n");
    else printf("send returned %zd, reader received %ld bytes\n", r, got);
    return 0;
}

static int timeo(void) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv)) { perror("socketpair"); return 1; }
    while (send(sv[0], "fill", 4, MSG_DONTWAIT) == 4) {}
    if (errno != EAGAIN) { perror("fill"); return 1; }
    struct timeval tv = {2, 0};
    setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    on_alarm(SA_RESTART);
    timer_ms(300, 0);
    double t0 = now();
    ssize_t r = send_all_once(sv[0], "late", 4);
    int e = errno;
    double took = now() - t0;
    if (r < 0) printf("send %s %s\n", strerrorname_np(e), took < 1.0 ? "within 1 s" : "after 1 s or more");
    else printf("send returned %zd\n", r);
    return 0;
}

static int dgram(void) {
    // 200 us: a timer faster than seccheck's hold of a send (its decision) ends every hold, and the
    // program never gets past its first sends (at 50 us, on a day a ptrace stop took 17 us here:
    // under 2,000 sends in 40 s; strace -f took 48 s for the 20,000). At 200 us, thousands of the
    // sends still take a signal under seccheck.
    enum { COUNT = 20000, INTERVAL_US = 200 };
    static unsigned char seen[COUNT];
    int r = socket(AF_INET, SOCK_DGRAM, 0), s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int big = 1 << 22;
    setsockopt(r, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    if (r < 0 || s < 0 || bind(r, (struct sockaddr *)&a, sizeof a) || getsockname(r, (struct sockaddr *)&a, &len)) {
        perror("socket");
        return 1;
    }
    on_alarm(0);
    struct itimerval t = {{0, INTERVAL_US}, {0, INTERVAL_US}};
    setitimer(ITIMER_REAL, &t, 0);
    long eintr = 0, hit = 0;
    for (long i = 0; i < COUNT; i++) {
        struct iovec v = {&i, sizeof i};
        struct msghdr m = {.msg_name = &a, .msg_namelen = sizeof a, .msg_iov = &v, .msg_iovlen = 1};
        for (;;) {
            sig_atomic_t before = alarms;
            ssize_t k = i % 2 ? sendmsg(s, &m, 0) : sendto(s, &i, sizeof i, 0, (struct sockaddr *)&a, sizeof a);
            hit += alarms != before;
            if (k == sizeof i) break;
            if (k < 0 && errno == EINTR) { eintr++; continue; }
            perror("send");
            return 1;
        }
        for (;;) {
            long n;
            ssize_t k = recv(r, &n, sizeof n, MSG_DONTWAIT);
            if (k < 0 && errno == EINTR) continue;
            if (k != sizeof n) break;
            if (n >= 0 && n < COUNT && seen[n] < 255) seen[n]++;
        }
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, 0);
    long missing = 0, twice = 0;
    for (long i = 0; i < COUNT; i++) {
        missing += seen[i] == 0;
        twice += seen[i] > 1;
    }
    printf("sends failed with EINTR: %ld; datagrams missing: %ld, sent more than once: %ld\n", eintr, missing, twice);
    fprintf(stderr, "signals in calls: %ld\n", hit);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, 0, _IONBF, 0);
    if (argc == 2 && !strcmp(argv[1], "restart")) return restart();
    if (argc == 2 && !strcmp(argv[1], "eintr")) return eintr();
    if (argc == 2 && !strcmp(argv[1], "timeo")) return timeo();
    if (argc == 2 && !strcmp(argv[1], "dgram")) return dgram();
    fprintf(stderr, "usage: signalled_sends restart|eintr|timeo|dgram\n");
    return 2;
}

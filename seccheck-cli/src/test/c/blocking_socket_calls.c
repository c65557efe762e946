// Blocking connects and sends the program gives up on: connects to a unix listener of its own whose
// backlog is full (listen(s, 0) and one connection pending, never accepted), sends to a unix
// datagram socket of its own whose queue is full (filled without blocking, never read).
//
// Usage: blocking_socket_calls killed connect|send COUNT DIR
//   COUNT times, forks a child that connects (or sends) and SIGKILLs it once it has waited in the
//   call for 100 ms. Waits for DIR/go before the children (after DIR/ready), prints one line after
//   them, and waits for DIR/stop (at most two minutes) before it ends, so that its supervisor can
//   be looked at.
// Usage: blocking_socket_calls eintr connect DIR
//   Connects, interrupted after 300 ms by a SIGALRM whose handler lacks SA_RESTART (EINTR); makes
//   another connect (to a name nothing is bound to), sleeps 1.5 s, accepts the pending connection
//   (which frees the backlog), waits 1 s, and prints whether the interrupted socket is connected:
//   natively it is not (ENOTCONN), the interrupted connect was abandoned.
// Usage: blocking_socket_calls eintr send DIR
//   Sends the datagram "late", interrupted after 300 ms as above; makes another send (to a name
//   nothing is bound to), sleeps 1.5 s, reads every datagram queued, waits 1 s, reads again, and
//   prints how many were "late": natively none, the interrupted send sent nothing.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_un named(const char *dir, const char *name) {
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s/%s", dir, name);
    return a;
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) && errno == EINTR) {}
}

/** Listens at DIR/sock with a backlog of 0 and fills it with one connection; the listener's fd. */
static int full_listener(const char *dir) {
    struct sockaddr_un a = named(dir, "sock");
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 0)
        || connect(c, (struct sockaddr *)&a, sizeof a)) {
        perror("listener");
        exit(1);
    }
    return l;
}

/** Binds a datagram socket at DIR/dgram and fills its queue (until a send would block); its fd. */
static int full_receiver(const char *dir) {
    struct sockaddr_un a = named(dir, "dgram");
    int r = socket(AF_UNIX, SOCK_DGRAM, 0);
    int w = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (r < 0 || w < 0 || bind(r, (struct sockaddr *)&a, sizeof a)) {
        perror("receiver");
        exit(1);
    }
    while (sendto(w, "fill", 4, 0, (struct sockaddr *)&a, sizeof a) == 4) {}
    if (errno != EAGAIN) {
        perror("fill");
        exit(1);
    }
    close(w);
    return r;
}

/** The call a mode waits in: its name, and its number on x86-64 as /proc/PID/syscall begins. */
struct waited { const char *name; const char *nr; };
static const struct waited CONNECT = {"connect", "42 "}, SEND = {"send", "44 "};

/** Makes the blocking call of kind W from a new socket to DIR: connect to its listener, send "late" to its receiver. */
static int blocking_call(struct waited w, const char *dir, int *sock) {
    int send = w.nr == SEND.nr;
    struct sockaddr_un a = named(dir, send ? "dgram" : "sock");
    *sock = socket(AF_UNIX, send ? SOCK_DGRAM : SOCK_STREAM, 0);
    return send ? (int)sendto(*sock, "late", 4, 0, (struct sockaddr *)&a, sizeof a)
                : connect(*sock, (struct sockaddr *)&a, sizeof a);
}

/** Waits until PATH exists, polling every 20 ms for at most two minutes; 0 when it does. */
static int await_file(const char *path) {
    for (int i = 0; i < 6000; i++) {
        if (access(path, F_OK) == 0) return 0;
        sleep_ms(20);
    }
    return -1;
}

/** Whether task PID waits in the call W, as /proc/PID/syscall says. */
static int in_call(pid_t pid, struct waited w) {
    char path[64], buf[64] = {0};
    snprintf(path, sizeof path, "/proc/%d/syscall", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return n > 3 && strncmp(buf, w.nr, 3) == 0;
}

static int killed(struct waited w, int count, const char *dir) {
    char go[512], stop[512], ready[512];
    snprintf(go, sizeof go, "%s/go", dir);
    snprintf(stop, sizeof stop, "%s/stop", dir);
    snprintf(ready, sizeof ready, "%s/ready", dir);
    if (w.nr == SEND.nr) full_receiver(dir); else full_listener(dir);
    FILE *r = fopen(ready, "w");
    if (!r) { perror(ready); return 1; }
    fclose(r);
    if (await_file(go)) { fprintf(stderr, "no %s\n", go); return 1; }
    int waited = 0;
    for (int i = 0; i < count; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            int s;
            blocking_call(w, dir, &s);
            _exit(3); // the call returned: the parent sees it ended on its own
        }
        int seen = 0;
        for (int t = 0; t < 250 && !(seen = in_call(pid, w)); t++) sleep_ms(20);
        sleep_ms(100);
        int status;
        if (seen && waitpid(pid, &status, WNOHANG) == 0) waited++;
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    printf("%d of %d killed while they waited in %s\n", waited, count, w.name);
    fflush(stdout);
    if (await_file(stop)) { fprintf(stderr, "no %s\n", stop); return 1; }
    return 0;
}

static void on_alarm(int sig) { (void)sig; }

/** Sets a SIGALRM in 300 ms whose handler lacks SA_RESTART: the call it lands in fails with EINTR. */
static void interrupt_in_300ms(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; // no SA_RESTART: the connect fails with EINTR
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval in300ms = {{0, 0}, {0, 300000}};
    setitimer(ITIMER_REAL, &in300ms, NULL);
}

static int connect_eintr(const char *dir) {
    int l = full_listener(dir);
    struct sockaddr_un none = named(dir, "none");
    int s;
    interrupt_in_300ms();
    int r = blocking_call(CONNECT, dir, &s);
    int connect_errno = errno;
    int other = socket(AF_UNIX, SOCK_STREAM, 0); // another call: no repeat of the first will come
    int r2 = connect(other, (struct sockaddr *)&none, sizeof none);
    int other_errno = errno;
    sleep_ms(1500);
    int accepted = accept(l, NULL, NULL);
    sleep_ms(1000);
    struct sockaddr_un peer;
    socklen_t len = sizeof peer;
    int p = getpeername(s, (struct sockaddr *)&peer, &len);
    int peer_errno = errno;
    printf("connect %s; next connect %s; accept %s; getpeername %s\n",
           r == 0 ? "ok" : strerrorname_np(connect_errno), r2 == 0 ? "ok" : strerrorname_np(other_errno),
           accepted >= 0 ? "ok" : strerrorname_np(errno), p == 0 ? "connected" : strerrorname_np(peer_errno));
    return 0;
}

/** Reads every datagram queued on R without waiting; how many said "late". */
static int drain(int r) {
    char buf[16];
    int late = 0;
    ssize_t n;
    while ((n = recv(r, buf, sizeof buf, MSG_DONTWAIT)) >= 0) {
        if (n == 4 && memcmp(buf, "late", 4) == 0) late++;
    }
    return late;
}

static int send_eintr(const char *dir) {
    int receiver = full_receiver(dir);
    struct sockaddr_un none = named(dir, "none");
    int s;
    interrupt_in_300ms();
    int r = blocking_call(SEND, dir, &s);
    int send_errno = errno;
    int other = socket(AF_UNIX, SOCK_DGRAM, 0); // another call: no repeat of the first will come
    int r2 = (int)sendto(other, "next", 4, 0, (struct sockaddr *)&none, sizeof none);
    int other_errno = errno;
    sleep_ms(1500);
    int late = drain(receiver);
    sleep_ms(1000);
    late += drain(receiver);
    printf("send %s; next send %s; late datagrams %d\n", r >= 0 ? "ok" : strerrorname_np(send_errno),
           r2 >= 0 ? "ok" : strerrorname_np(other_errno), late);
    return 0;
}

int main(int argc, char **argv) {
    struct waited w = argc > 2 && strcmp(argv[2], "send") == 0 ? SEND : CONNECT;
    if (argc == 5 && strcmp(argv[1], "killed") == 0) return killed(w, atoi(argv[3]), argv[4]);
    if (argc == 4 && strcmp(argv[1], "eintr") == 0) return w.nr == SEND.nr ? send_eintr(argv[3]) : connect_eintr(argv[3]);
    fprintf(stderr, "usage: blocking_socket_calls killed connect|send COUNT DIR | blocking_socket_calls eintr connect|send DIR\n");
    return 2;
}

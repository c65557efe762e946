// Blocking connects to a unix listener of its own whose backlog is full (listen(s, 0) and one
// connection pending, never accepted), each of which waits until the program gives up on it.
//
// Usage: blocking_connect killed COUNT DIR
//   COUNT times, forks a child that connects and SIGKILLs it once it has waited in connect for
//   100 ms. Waits for DIR/go before the children (after DIR/ready), prints one line after them, and
//   waits for DIR/stop (at most two minutes) before it ends, so that its supervisor can be looked at.
// Usage: blocking_connect eintr DIR
//   Connects, interrupted after 300 ms by a SIGALRM whose handler lacks SA_RESTART (EINTR); makes
//   another connect (to a name nothing is bound to), sleeps 1.5 s, accepts the pending connection
//   (which frees the backlog), waits 1 s, and prints whether the interrupted socket is connected:
//   natively it is not (ENOTCONN), the interrupted connect was abandoned.
#define _GNU_SOURCE
#include <errno.h>
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

/** Waits until PATH exists, polling every 20 ms for at most two minutes; 0 when it does. */
static int await_file(const char *path) {
    for (int i = 0; i < 6000; i++) {
        if (access(path, F_OK) == 0) return 0;
        sleep_ms(20);
    }
    return -1;
}

/** Whether task PID waits in connect(2) (42 on x86-64), as /proc/PID/syscall says. */
static int in_connect(pid_t pid) {
    char path[64], buf[64] = {0};
    snprintf(path, sizeof path, "/proc/%d/syscall", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return n > 3 && strncmp(buf, "42 ", 3) == 0;
}

static int killed(int count, const char *dir) {
    char go[512], stop[512], ready[512];
    snprintf(go, sizeof go, "%s/go", dir);
    snprintf(stop, sizeof stop, "%s/stop", dir);
    snprintf(ready, sizeof ready, "%s/ready", dir);
    full_listener(dir);
    FILE *r = fopen(ready, "w");
    if (!r) { perror(ready); return 1; }
    fclose(r);
    if (await_file(go)) { fprintf(stderr, "no %s\n", go); return 1; }
    int waited = 0;
    for (int i = 0; i < count; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            struct sockaddr_un a = named(dir, "sock");
            int s = socket(AF_UNIX, SOCK_STREAM, 0);
            connect(s, (struct sockaddr *)&a, sizeof a);
            _exit(3); // the connect returned: the parent sees it ended on its own
        }
        int seen = 0;
        for (int t = 0; t < 250 && !(seen = in_connect(pid)); t++) sleep_ms(20);
        sleep_ms(100);
        int status;
        if (seen && waitpid(pid, &status, WNOHANG) == 0) waited++;
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    printf("%d of %d killed while they waited in connect\n", waited, count);
    fflush(stdout);
    if (await_file(stop)) { fprintf(stderr, "no %s\n", stop); return 1; }
    return 0;
}

static void on_alarm(int sig) { (void)sig; }

static int eintr(const char *dir) {
    int l = full_listener(dir);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; // no SA_RESTART: the connect fails with EINTR
    sigaction(SIGALRM, &sa, NULL);
    struct sockaddr_un a = named(dir, "sock"), none = named(dir, "none");
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct itimerval in300ms = {{0, 0}, {0, 300000}};
    setitimer(ITIMER_REAL, &in300ms, NULL);
    int r = connect(s, (struct sockaddr *)&a, sizeof a);
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

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "killed") == 0) return killed(atoi(argv[2]), argv[3]);
    if (argc == 3 && strcmp(argv[1], "eintr") == 0) return eintr(argv[2]);
    fprintf(stderr, "usage: blocking_connect killed COUNT DIR | blocking_connect eintr DIR\n");
    return 2;
}

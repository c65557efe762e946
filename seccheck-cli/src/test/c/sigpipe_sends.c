/*
 * sigpipe_sends: the SIGPIPE a send to a closed peer raises in the sending thread
 * (BrokenPipeSignalTest). Four sends seccheck performs, each failing with EPIPE: sendmsg and
 * sendmmsg on a unix stream socket whose peer is closed, sendto with an address on a TCP socket
 * never connected, sendmsg on a TCP socket after shutdown(SHUT_WR). Each is made under every
 * disposition of SIGPIPE: a handler with SA_RESTART and one without (which record whether they ran
 * before the call returned, and on which thread), blocked (pending afterwards?), ignored, with
 * MSG_NOSIGNAL, and the default action, in a child, whose end is printed. One line per case.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static volatile pid_t handled_on;

static void handler(int sig) {
    (void) sig;
    handled++;
    handled_on = (pid_t) syscall(SYS_gettid);
}

/* A socket whose sends fail with EPIPE for send kind k, and the address a sendto names (or NULL). */
static int broken(const char *k, struct sockaddr_in *to) {
    if (!strcmp(k, "sendmsg") || !strcmp(k, "sendmmsg")) {
        int pair[2];
        socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
        close(pair[1]);
        return pair[0];
    }
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *) &a, sizeof a);
    listen(l, 1);
    getsockname(l, (struct sockaddr *) &a, &len);
    *to = a;
    if (!strcmp(k, "shutdown-sendmsg")) {
        connect(s, (struct sockaddr *) &a, sizeof a);
        shutdown(s, SHUT_WR);
    }
    return s;
}

/* Makes send kind k with flags; returns its result, errno in *e. */
static int send_kind(const char *k, int flags, int *e) {
    struct sockaddr_in to;
    int s = broken(k, &to);
    struct iovec iov = {"x", 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    int r;
    if (!strcmp(k, "sendmmsg")) {
        struct mmsghdr mm = {.msg_hdr = m};
        r = sendmmsg(s, &mm, 1, flags);
    } else if (!strcmp(k, "tcp-sendto")) {
        r = sendto(s, "x", 1, flags, (struct sockaddr *) &to, sizeof to);
    } else {
        r = sendmsg(s, &m, flags);
    }
    *e = errno;
    close(s);
    return r;
}

static void with_action(void (*h)(int), int flags) {
    struct sigaction sa = {.sa_handler = h, .sa_flags = flags};
    sigaction(SIGPIPE, &sa, NULL);
}

int main(void) {
    const char *kinds[] = {"sendmsg", "sendmmsg", "tcp-sendto", "shutdown-sendmsg"};
    pid_t me = (pid_t) syscall(SYS_gettid);
    for (int i = 0; i < 4; i++) {
        const char *k = kinds[i];
        int e, r;
        for (int restart = 0; restart < 2; restart++) {
            with_action(handler, restart ? SA_RESTART : 0);
            handled = 0;
            handled_on = 0;
            r = send_kind(k, 0, &e);
            int before = handled;
            printf("%s handler%s: %d %s, handled before return %d, on the caller %d\n", k,
                   restart ? " SA_RESTART" : "", r, strerrorname_np(e), before, handled_on == me);
            r = send_kind(k, MSG_NOSIGNAL, &e);
            printf("%s handler MSG_NOSIGNAL: %d %s, handled %d\n", k, r, strerrorname_np(e), handled - before);
        }
        sigset_t pipe, pending;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        sigprocmask(SIG_BLOCK, &pipe, NULL);
        handled = 0;
        r = send_kind(k, 0, &e);
        sigpending(&pending);
        printf("%s blocked: %d %s, pending %d\n", k, r, strerrorname_np(e), sigismember(&pending, SIGPIPE));
        sigprocmask(SIG_UNBLOCK, &pipe, NULL);
        printf("%s unblocked: handled %d\n", k, handled);
        with_action(SIG_IGN, 0);
        r = send_kind(k, 0, &e);
        printf("%s ignored: %d %s\n", k, r, strerrorname_np(e));
        fflush(stdout);
        pid_t child = fork();
        if (child == 0) {
            with_action(SIG_DFL, 0);
            r = send_kind(k, 0, &e);
            printf("%s default: not killed, %d %s\n", k, r, strerrorname_np(e));
            _exit(0);
        }
        int status;
        waitpid(child, &status, 0);
        printf("%s default: %s %d\n", k, WIFSIGNALED(status) ? "killed by" : "exited", WIFSIGNALED(status)
               ? WTERMSIG(status) : WEXITSTATUS(status));
        fflush(stdout);
    }
    return 0;
}

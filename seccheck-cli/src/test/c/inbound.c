/*
 * A server that another host reaches: it listens on every address (bound to 0.0.0.0 or ::, or not
 * bound at all, which listen() binds to every address itself), and a peer at 10.1.2.3 or
 * fd00::1234 connects in. A rule on connect never sees it: the server connects nowhere, and what
 * it sends back goes without an address. In a network namespace of its own (own_network.h),
 * where those "other hosts" are its loopback's addresses, a child plays the peer: bound to the
 * far address, it connects to the server's loopback address (which a loopback-only connect rule
 * allows) and sends "hi". Per route the server prints what its accept gave:
 *
 *   NAME reached by ADDRESS    the server accepted the peer at ADDRESS and read its "hi"
 *   NAME errno N               accept failed with N
 *
 * Nothing leaves the machine: the namespace has no other device.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "own_network.h"

/* The peer: from FROM (its own address, bound first), to TO; sends "hi", waits for the server to close. */
static pid_t peer(const struct sockaddr *from, socklen_t from_len, const struct sockaddr *to, socklen_t to_len) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    int s = socket(to->sa_family, SOCK_STREAM, 0);
    if (from != NULL && bind(s, from, from_len) != 0) _exit(1);
    if (connect(s, to, to_len) != 0) _exit(2);
    if (write(s, "hi", 2) != 2) _exit(3);
    char b[8];
    (void)!read(s, b, sizeof b);
    _exit(0);
}

/* Prints what the server's accept gave: the peer's address (from getpeername) once its "hi" is read. */
static void report(const char *name, int conn) {
    if (conn < 0) {
        printf("%s errno %d\n", name, errno);
        return;
    }
    char b[2], text[INET6_ADDRSTRLEN] = "?";
    struct sockaddr_storage a;
    socklen_t l = sizeof a;
    getpeername(conn, (struct sockaddr *)&a, &l);
    if (a.ss_family == AF_INET) inet_ntop(AF_INET, &((struct sockaddr_in *)&a)->sin_addr, text, sizeof text);
    if (a.ss_family == AF_INET6) inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&a)->sin6_addr, text, sizeof text);
    if (a.ss_family == AF_UNIX) strcpy(text, "a unix socket");
    if (read(conn, b, 2) != 2 || memcmp(b, "hi", 2) != 0) {
        printf("%s read nothing\n", name);
    } else {
        printf("%s reached by %s\n", name, text);
    }
    close(conn);
}

/* A listening TCP socket of FAMILY bound to ADDR (none: listen binds it), and its port. */
static int listener(int family, const struct sockaddr *addr, socklen_t len, int v6only, int *port) {
    int s = socket(family, SOCK_STREAM, 0);
    if (family == AF_INET6) setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    if (addr != NULL && bind(s, addr, len) != 0) die("bind");
    if (listen(s, 8) != 0) die("listen");
    struct sockaddr_in6 own;
    socklen_t l = sizeof own;
    getsockname(s, (struct sockaddr *)&own, &l);
    *port = ntohs(own.sin6_port); /* sin_port and sin6_port lie at the same offset */
    return s;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    alarm(30); /* a deadline: an accept that never returns ends the program, and so its peers' reads */
    own_network();
    int port;

    { /* bound to 0.0.0.0, accept() with an address buffer */
        struct sockaddr_in any = v4("0.0.0.0", 0), far = v4(AWAY4, 0);
        int s = listener(AF_INET, (struct sockaddr *)&any, sizeof any, 0, &port);
        struct sockaddr_in lo = v4("127.0.0.1", port);
        pid_t p = peer((struct sockaddr *)&far, sizeof far, (struct sockaddr *)&lo, sizeof lo);
        struct sockaddr_in from;
        socklen_t l = sizeof from;
        report("v4-any-accept", accept(s, (struct sockaddr *)&from, &l));
        waitpid(p, NULL, 0);
        close(s);
    }
    { /* never bound: listen() binds it to every address; accept4 without an address buffer */
        struct sockaddr_in far = v4(AWAY4, 0);
        int s = listener(AF_INET, NULL, 0, 0, &port);
        struct sockaddr_in lo = v4("127.0.0.1", port);
        pid_t p = peer((struct sockaddr *)&far, sizeof far, (struct sockaddr *)&lo, sizeof lo);
        report("v4-listen-only", accept4(s, NULL, NULL, SOCK_CLOEXEC));
        waitpid(p, NULL, 0);
        close(s);
    }
    { /* bound to ::, IPv6 only; a peer at fd00::1234 */
        struct sockaddr_in6 any = v6("::", 0), far = v6(AWAY6, 0);
        int s = listener(AF_INET6, (struct sockaddr *)&any, sizeof any, 1, &port);
        struct sockaddr_in6 lo = v6("::1", port);
        pid_t p = peer((struct sockaddr *)&far, sizeof far, (struct sockaddr *)&lo, sizeof lo);
        report("v6-any-accept4", accept4(s, NULL, NULL, 0));
        waitpid(p, NULL, 0);
        close(s);
    }
    { /* bound to :: for both families: an IPv4 peer shows as ::ffff:10.1.2.3 */
        struct sockaddr_in6 any = v6("::", 0);
        struct sockaddr_in far = v4(AWAY4, 0);
        int s = listener(AF_INET6, (struct sockaddr *)&any, sizeof any, 0, &port);
        struct sockaddr_in lo = v4("127.0.0.1", port);
        pid_t p = peer((struct sockaddr *)&far, sizeof far, (struct sockaddr *)&lo, sizeof lo);
        report("mapped-accept", accept(s, NULL, NULL));
        waitpid(p, NULL, 0);
        close(s);
    }
    { /* a non-blocking listener, woken by poll, as event loops accept */
        struct sockaddr_in any = v4("0.0.0.0", 0), far = v4(AWAY4, 0);
        int s = listener(AF_INET, (struct sockaddr *)&any, sizeof any, 0, &port);
        fcntl(s, F_SETFL, O_NONBLOCK);
        struct sockaddr_in lo = v4("127.0.0.1", port);
        pid_t p = peer((struct sockaddr *)&far, sizeof far, (struct sockaddr *)&lo, sizeof lo);
        struct pollfd pfd = {.fd = s, .events = POLLIN};
        poll(&pfd, 1, 10000);
        int c = accept4(s, NULL, NULL, SOCK_NONBLOCK);
        if (c >= 0) fcntl(c, F_SETFL, 0);
        report("v4-nonblocking", c);
        waitpid(p, NULL, 0);
        close(s);
    }
    { /* a loopback peer, which the rules let in */
        struct sockaddr_in any = v4("0.0.0.0", 0);
        int s = listener(AF_INET, (struct sockaddr *)&any, sizeof any, 0, &port);
        struct sockaddr_in lo = v4("127.0.0.1", port);
        pid_t p = peer(NULL, 0, (struct sockaddr *)&lo, sizeof lo);
        struct sockaddr_in from;
        socklen_t l = sizeof from;
        report("v4-loopback", accept(s, (struct sockaddr *)&from, &l));
        waitpid(p, NULL, 0);
        close(s);
    }
    { /* a unix socket's peer, local by nature */
        struct sockaddr_un name = {.sun_family = AF_UNIX};
        snprintf(name.sun_path + 1, sizeof name.sun_path - 1, "seccheck-inbound-%d", getpid());
        socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name.sun_path + 1);
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        if (bind(s, (struct sockaddr *)&name, len) != 0 || listen(s, 8) != 0) die("unix listen");
        pid_t p = peer(NULL, 0, (struct sockaddr *)&name, len);
        report("unix", accept(s, NULL, NULL));
        waitpid(p, NULL, 0);
        close(s);
    }
    return 0;
}

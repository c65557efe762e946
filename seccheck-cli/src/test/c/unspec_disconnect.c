/*
 * unspec_disconnect: connect(AF_UNSPEC), the standard way to dissolve a socket's association
 * (UnspecifiedDisconnectTest). For UDP and TCP over IPv4 and IPv6, connects to a loopback
 * listener, then connects to an address whose family is AF_UNSPEC, and prints the result and
 * what the socket is connected to afterwards (getpeername, and a send without an address). The
 * AF_UNSPEC address carries the bytes of 192.0.2.1:9 (TEST-NET-1) after its family, which the
 * kernel never reads for a connect: nothing may reach it. A unix datagram socket connected to a
 * socketpair's end disconnects the same way; a unix stream socket refuses AF_UNSPEC (EINVAL).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char *err(int r) {
    return r < 0 ? strerrorname_np(errno) : "ok";
}

/* What socket s is connected to now: its peer's port, or getpeername's errno, and a send's result. */
static void after(int s) {
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    int r = getpeername(s, (struct sockaddr *) &peer, &len);
    int port = r == 0 ? ntohs(((struct sockaddr_in *) &peer)->sin_port) : 0;
    int sent = send(s, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
    printf(" peer %s%s send %s\n", r == 0 ? "port " : err(r), r == 0 ? (port ? "set" : "0") : "", err(sent));
}

int main(void) {
    int types[] = {SOCK_DGRAM, SOCK_STREAM};
    int families[] = {AF_INET, AF_INET6};
    for (int k = 0; k < 2; k++) {
        for (int j = 0; j < 2; j++) {
            int family = families[j];
            struct sockaddr_storage to = {0};
            socklen_t len;
            if (family == AF_INET) {
                struct sockaddr_in *a = (struct sockaddr_in *) &to;
                a->sin_family = AF_INET;
                a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                len = sizeof *a;
            } else {
                struct sockaddr_in6 *a = (struct sockaddr_in6 *) &to;
                a->sin6_family = AF_INET6;
                a->sin6_addr = in6addr_loopback;
                len = sizeof *a;
            }
            int listener = socket(family, types[k], 0);
            if (listener < 0 || bind(listener, (struct sockaddr *) &to, len) != 0
                    || (types[k] == SOCK_STREAM && listen(listener, 1) != 0)
                    || getsockname(listener, (struct sockaddr *) &to, &len) != 0) {
                printf("setup %s\n", strerrorname_np(errno));
                return 0;
            }
            int s = socket(family, types[k], 0);
            int r = connect(s, (struct sockaddr *) &to, len);
            /* AF_UNSPEC, with 192.0.2.1 port 9 where sockaddr_in keeps its address and port. */
            struct sockaddr_in unspec = {.sin_family = AF_UNSPEC, .sin_port = htons(9),
                                         .sin_addr.s_addr = htonl(0xc0000201)};
            struct sockaddr_in6 unspec6 = {.sin6_family = AF_UNSPEC, .sin6_port = htons(9)};
            memcpy(&unspec6.sin6_flowinfo, &unspec.sin_addr, 4);
            int d = family == AF_INET ? connect(s, (struct sockaddr *) &unspec, sizeof unspec)
                                      : connect(s, (struct sockaddr *) &unspec6, sizeof unspec6);
            printf("%s %s connect %s disconnect %s", family == AF_INET ? "ipv4" : "ipv6",
                   types[k] == SOCK_DGRAM ? "udp" : "tcp", err(r), err(d));
            after(s);
            /* The bare family, the shortest address the kernel takes. */
            if (types[k] == SOCK_DGRAM) {
                connect(s, (struct sockaddr *) &to, len);
                sa_family_t bare = AF_UNSPEC;
                d = connect(s, (struct sockaddr *) &bare, sizeof bare);
                printf("  bare family disconnect %s", err(d));
                after(s);
            }
            close(s);
            close(listener);
        }
    }
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) != 0) {
        return 0;
    }
    struct sockaddr_in unspec = {.sin_family = AF_UNSPEC, .sin_addr.s_addr = htonl(0xc0000201)};
    printf("unix dgram disconnect %s", err(connect(pair[0], (struct sockaddr *) &unspec, sizeof unspec)));
    after(pair[0]);
    int stream[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, stream);
    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("unix stream connect %s\n", err(connect(u, (struct sockaddr *) &unspec, sizeof unspec)));
    return 0;
}

/*
 * foreign_family: connects and sends naming an address that the socket's protocol refuses for its
 * family or its length (ForeignFamilyAddressesTest). The kernel judges an address by the socket's
 * family, before any peer: an IPv4 TCP or UDP socket refuses a sockaddr_in6 (EAFNOSUPPORT), an
 * IPv6 TCP socket a sockaddr_in (EINVAL, shorter than a sockaddr_in6; EAFNOSUPPORT when as long),
 * IPv6 UDP any family but its own and IPv4's, a TCP send AF_UNSPEC (EOPNOTSUPP), and IPv4 UDP a
 * send's AF_UNSPEC shorter than a sockaddr_in (EINVAL). The addresses named are 2001:db8::1,
 * ::ffff:192.0.2.1 and 192.0.2.1 (documentation and TEST-NET-1), which a loopback-only policy
 * denies and which no packet reaches natively: every one of these calls is refused before routing.
 *
 * Also the kernel's order around the refusal: a UDP connect binds its socket (autobind) before it
 * reads the family, a connected TCP socket says EISCONN first, and a TCP send without
 * MSG_FASTOPEN never reads the address (EPIPE, never connected). And what the kernel takes: a
 * sendmmsg whose second message is refused returns 1, its first sent; an IPv6 UDP socket sends a
 * sockaddr_in as IPv4, here to a receiver on 127.0.0.1. One line per call, then what the
 * receiver got.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif

static void show(const char *what, long r) {
    if (r < 0) {
        printf("%s %s\n", what, strerrorname_np(errno));
    } else {
        printf("%s %ld\n", what, r);
    }
}

/* A sockaddr_in6 of ip, port 9. */
static struct sockaddr_in6 in6(const char *ip) {
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(9)};
    inet_pton(AF_INET6, ip, &a.sin6_addr);
    return a;
}

/* A sockaddr_in of ip and port, with room after it up to a sockaddr_in6's length (zeroes). */
static struct sockaddr_in6 in4(const char *ip, in_port_t port) {
    struct sockaddr_in6 room = {0};
    struct sockaddr_in *a = (struct sockaddr_in *) &room;
    a->sin_family = AF_INET;
    a->sin_port = port;
    inet_pton(AF_INET, ip, &a->sin_addr);
    return room;
}

static int bound(int s) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    return getsockname(s, (struct sockaddr *) &a, &len) == 0 && a.sin_port != 0;
}

int main(void) {
    struct sockaddr_in rxa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t rxlen = sizeof rxa;
    int rx = socket(AF_INET, SOCK_DGRAM, 0);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in la = rxa;
    socklen_t llen = sizeof la;
    if (rx < 0 || bind(rx, (struct sockaddr *) &rxa, sizeof rxa) != 0 || getsockname(rx, (struct sockaddr *) &rxa, &rxlen) != 0
            || bind(listener, (struct sockaddr *) &la, sizeof la) != 0 || listen(listener, 1) != 0
            || getsockname(listener, (struct sockaddr *) &la, &llen) != 0) {
        perror("setup");
        return 1;
    }
    struct sockaddr_in6 doc = in6("2001:db8::1"), mapped = in6("::ffff:192.0.2.1");
    struct sockaddr_in6 far = in4("192.0.2.1", htons(9));

    /* An IPv4 UDP socket given a sockaddr_in6. */
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    show("udp4 sendto in6 2001:db8::1", sendto(u, "a", 1, 0, (struct sockaddr *) &doc, sizeof doc));
    show("udp4 sendto in6 ::ffff:192.0.2.1", sendto(u, "a", 1, 0, (struct sockaddr *) &mapped, sizeof mapped));
    struct iovec iov = {"a", 1};
    struct msghdr h = {.msg_name = &doc, .msg_namelen = sizeof doc, .msg_iov = &iov, .msg_iovlen = 1};
    show("udp4 sendmsg in6", sendmsg(u, &h, 0));
    struct iovec first = {"m", 1};
    struct mmsghdr mm[2] = {
        {.msg_hdr = {.msg_name = &rxa, .msg_namelen = sizeof rxa, .msg_iov = &first, .msg_iovlen = 1}},
        {.msg_hdr = {.msg_name = &doc, .msg_namelen = sizeof doc, .msg_iov = &iov, .msg_iovlen = 1}}};
    show("udp4 sendmmsg loopback then in6", sendmmsg(u, mm, 2, 0));
    show("udp4 sendmmsg in6", sendmmsg(u, &mm[1], 1, 0));
    struct sockaddr_in unspec = {.sin_family = AF_UNSPEC, .sin_port = htons(9), .sin_addr.s_addr = htonl(0xc0000201)};
    show("udp4 sendto unspec 8 bytes", sendto(u, "a", 1, 0, (struct sockaddr *) &unspec, 8));
    close(u);
    u = socket(AF_INET, SOCK_DGRAM, 0);
    long r = connect(u, (struct sockaddr *) &doc, sizeof doc);
    printf("udp4 connect in6 %s bound %s\n", r < 0 ? strerrorname_np(errno) : "ok", bound(u) ? "yes" : "no");
    close(u);

    /* An IPv4 TCP socket given a sockaddr_in6, and AF_UNSPEC in a send. */
    int t = socket(AF_INET, SOCK_STREAM, 0);
    show("tcp4 connect in6", connect(t, (struct sockaddr *) &doc, sizeof doc));
    show("tcp4 sendto fastopen in6", sendto(t, "a", 1, MSG_FASTOPEN | MSG_NOSIGNAL, (struct sockaddr *) &doc, sizeof doc));
    show("tcp4 sendto in6", sendto(t, "a", 1, MSG_NOSIGNAL, (struct sockaddr *) &doc, sizeof doc));
    show("tcp4 sendto fastopen unspec", sendto(t, "a", 1, MSG_FASTOPEN | MSG_NOSIGNAL, (struct sockaddr *) &unspec,
                                              sizeof unspec));
    close(t);
    t = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(t, (struct sockaddr *) &la, sizeof la) != 0) {
        perror("connect");
        return 1;
    }
    show("tcp4 connected connect in6", connect(t, (struct sockaddr *) &doc, sizeof doc));
    close(t);

    /* An IPv6 TCP socket given a sockaddr_in: of its own 16 bytes, and as long as a sockaddr_in6. */
    t = socket(AF_INET6, SOCK_STREAM, 0);
    show("tcp6 connect in", connect(t, (struct sockaddr *) &far, sizeof(struct sockaddr_in)));
    show("tcp6 connect in 28 bytes", connect(t, (struct sockaddr *) &far, sizeof far));
    show("tcp6 sendto fastopen in", sendto(t, "a", 1, MSG_FASTOPEN | MSG_NOSIGNAL, (struct sockaddr *) &far,
                                           sizeof(struct sockaddr_in)));
    h.msg_name = &far;
    h.msg_namelen = sizeof(struct sockaddr_in);
    show("tcp6 sendmsg fastopen in", sendmsg(t, &h, MSG_FASTOPEN | MSG_NOSIGNAL));
    close(t);

    /* An IPv6 UDP socket: a family of neither IP version is refused, a sockaddr_in is sent as IPv4. */
    int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 other = doc;
    other.sin6_family = AF_UNIX;
    show("udp6 sendto family 1", sendto(u6, "a", 1, 0, (struct sockaddr *) &other, sizeof other));
    show("udp6 connect family 1", connect(u6, (struct sockaddr *) &other, sizeof other));
    show("udp6 sendto in6 16 bytes", sendto(u6, "a", 1, 0, (struct sockaddr *) &doc, 16));
    struct sockaddr_in6 loop = in4("127.0.0.1", rxa.sin_port);
    show("udp6 sendto in loopback", sendto(u6, "6", 1, 0, (struct sockaddr *) &loop, sizeof(struct sockaddr_in)));

    printf("received");
    char c;
    /* Loopback delivers a datagram within its send. */
    for (int i = 0; i < 100 && recv(rx, &c, 1, MSG_DONTWAIT) == 1; i++) {
        printf(" %c", c);
    }
    printf("\n");
    return 0;
}

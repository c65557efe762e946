/*
 * Tries every way a program may steer a datagram or a TCP SYN addressed to loopback out of a real
 * device DEV, and every multicast join that makes the kernel report a group (and sources) on the
 * link; each sent datagram carries "LEAK-<route>", so a capture on DEV's peer tells which left.
 * Then what must still work: a socket bound to "lo" reaching a local receiver, and a datagram to
 * an address on DEV's link (OWN-device). Prints "<route> rc=<r> errno=<e>" per attempt.
 * Usage: device_steering DEV
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX 62
#endif
#ifndef IP_UNICAST_IF
#define IP_UNICAST_IF 50
#endif
#ifndef IPV6_UNICAST_IF
#define IPV6_UNICAST_IF 76
#endif

static const char *dev;
static unsigned idx;

static void report(const char *route, long r) {
    printf("%s rc=%ld errno=%d\n", route, r < 0 ? -1L : r >= 0 ? 0L : r, r < 0 ? errno : 0);
    fflush(stdout);
}

static struct sockaddr_in v4(const char *ip, int port) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static struct sockaddr_in6 v6(const char *ip, int port) {
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    inet_pton(AF_INET6, ip, &a.sin6_addr);
    return a;
}

static long sendto4(int s, const char *route) {
    char data[64];
    snprintf(data, sizeof data, "LEAK-%s", route);
    struct sockaddr_in a = v4("127.0.0.1", 9);
    return sendto(s, data, strlen(data), 0, (void *)&a, sizeof a);
}

/* sendmsg of "LEAK-<route>" to name (none when NULL) with one record of level/type holding value. */
static long withRecord(int s, const char *route, void *name, socklen_t namelen, int level, int type, void *value,
        size_t len) {
    char data[64];
    snprintf(data, sizeof data, "LEAK-%s", route);
    char cb[CMSG_SPACE(64)] = {0};
    struct iovec io = {data, strlen(data)};
    struct msghdr m = {.msg_name = name, .msg_namelen = namelen, .msg_iov = &io, .msg_iovlen = 1,
        .msg_control = cb, .msg_controllen = CMSG_SPACE(len)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = level;
    c->cmsg_type = type;
    c->cmsg_len = CMSG_LEN(len);
    memcpy(CMSG_DATA(c), value, len);
    return sendmsg(s, &m, 0);
}

int main(int argc, char **argv) {
    dev = argc > 1 ? argv[1] : "v0";
    idx = if_nametoindex(dev);
    int s;
    long r;

    s = socket(AF_INET, SOCK_DGRAM, 0);
    r = setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, dev, strlen(dev) + 1);
    report("bindtodevice", r == 0 ? sendto4(s, "bindtodevice") : r);
    close(s);

    s = socket(AF_INET, SOCK_DGRAM, 0);
    r = setsockopt(s, SOL_SOCKET, SO_BINDTOIFINDEX, &idx, sizeof idx);
    report("bindtoifindex", r == 0 ? sendto4(s, "bindtoifindex") : r);
    close(s);

    s = socket(AF_INET, SOCK_DGRAM, 0);
    struct in_pktinfo pi = {.ipi_ifindex = idx};
    struct sockaddr_in lo = v4("127.0.0.1", 9);
    report("pktinfo", withRecord(s, "pktinfo", &lo, sizeof lo, IPPROTO_IP, IP_PKTINFO, &pi, sizeof pi));
    close(s);

    s = socket(AF_INET, SOCK_DGRAM, 0);
    unsigned be = htonl(idx);
    r = setsockopt(s, IPPROTO_IP, IP_UNICAST_IF, &be, sizeof be);
    report("unicast-if", r == 0 ? sendto4(s, "unicast-if") : r);
    close(s);

    s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    r = setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, dev, strlen(dev) + 1);
    struct sockaddr_in syn = v4("127.0.0.1", 7777);
    if (r == 0) {
        r = connect(s, (void *)&syn, sizeof syn);
    }
    report("tcp", r < 0 && errno == EINPROGRESS ? 0 : r);
    int tcp = s; /* kept open: its SYN is retried */

    /* A socket connected to loopback: a message without an address, steered by its own record. */
    s = socket(AF_INET, SOCK_DGRAM, 0);
    r = connect(s, (void *)&lo, sizeof lo);
    report("connected-pktinfo", r == 0 ? withRecord(s, "connected-pktinfo", NULL, 0, IPPROTO_IP, IP_PKTINFO, &pi,
            sizeof pi) : r);
    close(s);

    /* A socket connected to loopback, then bound to the device: its plain sends. */
    s = socket(AF_INET, SOCK_DGRAM, 0);
    r = connect(s, (void *)&lo, sizeof lo);
    if (r == 0) {
        r = setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, dev, strlen(dev) + 1);
    }
    report("connected-bind", r == 0 ? send(s, "LEAK-connected-bind", 19, 0) : r);
    close(s);

    s = socket(AF_INET6, SOCK_DGRAM, 0);
    struct in6_pktinfo pi6 = {.ipi6_ifindex = idx};
    struct sockaddr_in6 lo6 = v6("::1", 9);
    report("pktinfo6", withRecord(s, "pktinfo6", &lo6, sizeof lo6, IPPROTO_IPV6, IPV6_PKTINFO, &pi6, sizeof pi6));
    close(s);

    s = socket(AF_INET6, SOCK_DGRAM, 0);
    r = setsockopt(s, IPPROTO_IPV6, IPV6_UNICAST_IF, &be, sizeof be);
    report("unicast-if6", r == 0 ? sendto(s, "LEAK-unicast-if6", 16, 0, (void *)&lo6, sizeof lo6) : r);
    close(s);

    /* Multicast joins: each reports its group (and sources) on the link, bytes the program chose. */
    s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ip_mreqn mr = {.imr_ifindex = idx};
    inet_pton(AF_INET, "239.76.69.75", &mr.imr_multiaddr);
    report("ip-add-membership", setsockopt(s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof mr));
    struct ip_mreq_source ms = {0};
    inet_pton(AF_INET, "239.1.2.3", &ms.imr_multiaddr);
    inet_pton(AF_INET, "10.9.9.1", &ms.imr_interface);
    memcpy(&ms.imr_sourceaddr, "LEAK", 4);
    report("ip-add-source-membership", setsockopt(s, IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP, &ms, sizeof ms));
    struct group_req gr = {.gr_interface = idx};
    struct sockaddr_in g = v4("239.76.69.76", 0);
    memcpy(&gr.gr_group, &g, sizeof g);
    report("mcast-join-group", setsockopt(s, IPPROTO_IP, MCAST_JOIN_GROUP, &gr, sizeof gr));
    struct group_source_req gs = {.gsr_interface = idx};
    struct sockaddr_in g2 = v4("239.1.2.4", 0), src = v4("76.69.65.75", 0);
    memcpy(&gs.gsr_group, &g2, sizeof g2);
    memcpy(&gs.gsr_source, &src, sizeof src);
    report("mcast-join-source-group", setsockopt(s, IPPROTO_IP, MCAST_JOIN_SOURCE_GROUP, &gs, sizeof gs));
    int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
    struct ipv6_mreq m6 = {.ipv6mr_interface = idx};
    inet_pton(AF_INET6, "ff05::4c45:414b", &m6.ipv6mr_multiaddr);
    report("ipv6-add-membership", setsockopt(s6, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &m6, sizeof m6));

    /* What still works: a socket bound to lo reaching a local receiver. */
    int rx = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in any = v4("127.0.0.1", 0);
    socklen_t al = sizeof any;
    bind(rx, (void *)&any, sizeof any);
    getsockname(rx, (void *)&any, &al);
    s = socket(AF_INET, SOCK_DGRAM, 0);
    r = setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3);
    if (r == 0) {
        r = sendto(s, "lo-bound", 8, 0, (void *)&any, sizeof any);
    }
    report("lo-bound", r);
    char got[16] = {0};
    struct timeval tv = {2, 0};
    setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    printf("lo-bound received %s\n", recv(rx, got, sizeof got - 1, 0) > 0 ? got : "nothing");

    /* And a datagram to a host on the device's own link. */
    s = socket(AF_INET, SOCK_DGRAM, 0);
    r = setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, dev, strlen(dev) + 1);
    struct sockaddr_in peer = v4("10.9.9.2", 9);
    report("own-device", r == 0 ? sendto(s, "OWN-device", 10, 0, (void *)&peer, sizeof peer) : r);
    fflush(stdout);
    sleep(1); /* the TCP SYN and the reports go out meanwhile */
    close(tcp);
    return 0;
}

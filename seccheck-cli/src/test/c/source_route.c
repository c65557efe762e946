/*
 * A program that sends to loopback, as a network rule allows, but has the kernel route its
 * packets to another host first: an IPv4 source route (LSRR) or an IPv6 routing header, set as a
 * socket option or passed with one message. The kernel then sends the packet to the route's
 * first hop, the address the rule never saw. Or it writes the IP header itself on a raw socket
 * (IPPROTO_RAW, IP_HDRINCL, IPV6_HDRINCL: the user namespace gives it CAP_NET_RAW in its own
 * network namespace, as root has it everywhere): the kernel routes the packet by the address
 * sendto names, and it is delivered to the header's, wherever that routing takes it. Or it binds
 * a packet socket to a device, and sends frames there without naming any address. In a network
 * namespace of its own (a user namespace gives it the rights there), where the "other host"
 * 10.1.2.3 (fd00::1234) is an address of the namespace's loopback device, it watches the device
 * with a packet socket and prints, per route, where the packet went:
 *
 *   NAME passed to ADDRESS     the packet left for ADDRESS (its IP destination)
 *   NAME errno N               a call of the route failed with N
 *   NAME nothing               no packet was seen
 *
 * Nothing leaves the machine: the namespace has no other device.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "own_network.h"

/* The kernel's IPv6 routing headers: type 2 (one address) and segment routing's type 4. */
#define RTHDR_TYPE_2 2
#define RTHDR_TYPE_4 4
#ifndef IPV6_2292PKTOPTIONS
#define IPV6_2292PKTOPTIONS 6
#endif

static int capture = -1;
static int next_port = 9000;

/* An LSRR option whose one hop is 10.1.2.3 (a NOP first, so that it is a multiple of 4 bytes). */
static void lsrr(unsigned char opt[8]) {
    unsigned char o[8] = {IPOPT_NOP, IPOPT_LSRR, 7, 4};
    inet_pton(AF_INET, AWAY4, o + 4);
    memcpy(opt, o, 8);
}

/* A record-route option: changes nothing about where the packet goes. */
static void record_route(unsigned char opt[8]) {
    unsigned char o[8] = {IPOPT_NOP, IPOPT_RR, 7, 4, 0, 0, 0, 0};
    memcpy(opt, o, 8);
}

/*
 * A type 2 routing header naming fd00::1234 (24 bytes): what a message or RFC 2292's packet
 * options may carry, on kernels built with Mobile IPv6 (others refuse it with EINVAL).
 */
static void rthdr(unsigned char h[24]) {
    memset(h, 0, 24);
    h[0] = IPPROTO_NONE; /* next header: the kernel fills it */
    h[1] = 2;            /* length in 8-byte units, the first 8 not counted */
    h[2] = RTHDR_TYPE_2;
    h[3] = 1;            /* segments left */
    inet_pton(AF_INET6, AWAY6, h + 8);
}

/* A segment routing header (type 4, 40 bytes), fd00::1234 the next segment and ::1 the last. */
static void srh(unsigned char h[40]) {
    memset(h, 0, 40);
    h[0] = IPPROTO_NONE;
    h[1] = 4;            /* two segments: (8 + 32) / 8 - 1 */
    h[2] = RTHDR_TYPE_4;
    h[3] = 1;            /* segments left: the packet goes to segment 1 first */
    h[4] = 1;            /* the last entry's index */
    inet_pton(AF_INET6, "::1", h + 8);
    inet_pton(AF_INET6, AWAY6, h + 24);
}

/* Where the UDP or TCP packet to port {@code port} went, by the captured IP header, within 500 ms. */
static void report(const char *name, int port) {
    struct pollfd p = {capture, POLLIN, 0};
    while (poll(&p, 1, 500) > 0) {
        unsigned char b[4096];
        ssize_t n = recv(capture, b, sizeof b, 0);
        char where[INET6_ADDRSTRLEN];
        if (n >= 20 && b[0] >> 4 == 4) {
            int hl = (b[0] & 15) * 4;
            if (n < hl + 4 || (b[9] != IPPROTO_UDP && b[9] != IPPROTO_TCP)) continue;
            if ((b[hl + 2] << 8 | b[hl + 3]) != port) continue;
            inet_ntop(AF_INET, b + 16, where, sizeof where);
        } else if (n >= 48 && b[0] >> 4 == 6) {
            /* the fixed header, then (for these routes) a routing header or none */
            int off = 40, next = b[6];
            if (next == IPPROTO_ROUTING) {
                next = b[40];
                off += (b[41] + 1) * 8;
            }
            if (n < off + 4 || (next != IPPROTO_UDP && next != IPPROTO_TCP)) continue;
            if ((b[off + 2] << 8 | b[off + 3]) != port) continue;
            inet_ntop(AF_INET6, b + 24, where, sizeof where);
        } else {
            continue;
        }
        printf("%s passed to %s\n", name, where);
        return;
    }
    printf("%s nothing\n", name);
}

static int failed(const char *name, int r) {
    if (r < 0) printf("%s errno %d\n", name, errno);
    return r < 0;
}

/*
 * Writes into {@code p} (29 bytes) a UDP datagram "x" for {@code to} port {@code port}, from
 * 127.0.0.1, behind an IPv4 header when {@code header}; returns where the UDP header begins.
 */
static int udp4(unsigned char *p, int header, const char *to, int port) {
    memset(p, 0, 29);
    int off = header ? (int)sizeof(struct iphdr) : 0;
    if (header) {
        struct iphdr *ip = (struct iphdr *)p;
        ip->version = 4;
        ip->ihl = 5;
        ip->ttl = 64;
        ip->protocol = IPPROTO_UDP;
        ip->tot_len = htons(29);
        inet_pton(AF_INET, "127.0.0.1", &ip->saddr);
        inet_pton(AF_INET, to, &ip->daddr);
    }
    struct udphdr *u = (struct udphdr *)(p + off);
    u->source = htons(9999);
    u->dest = htons(port);
    u->len = htons(9);
    p[off + 8] = 'x';
    return off;
}

/*
 * Sends "x" in a UDP datagram for {@code to} port {@code port} on raw socket {@code s}, to
 * 127.0.0.1: with a header of its own when {@code hdrincl} is -1 (IPPROTO_RAW) or 1 (set by
 * IP_HDRINCL), the UDP header alone when 0 (the kernel writes the IP header, for 127.0.0.1).
 */
static void raw4(const char *name, int s, int hdrincl, const char *to, int port) {
    if (failed(name, s)) return;
    if (hdrincl >= 0 && failed(name, setsockopt(s, IPPROTO_IP, IP_HDRINCL, &hdrincl, sizeof hdrincl))) {
        close(s);
        return;
    }
    unsigned char p[29] = {0};
    int off = udp4(p, hdrincl != 0, to, port);
    struct sockaddr_in lo = v4("127.0.0.1", 0);
    if (!failed(name, (int)sendto(s, p, off + 9, 0, (struct sockaddr *)&lo, sizeof lo))) report(name, port);
    close(s);
}

/* As raw4 for IPv6: a header of its own for fd00::1234, sent to ::1. */
static void raw6(const char *name, int s, int hdrincl, int port) {
    if (failed(name, s)) return;
    if (hdrincl >= 0 && failed(name, setsockopt(s, IPPROTO_IPV6, 36 /* IPV6_HDRINCL */, &hdrincl, sizeof hdrincl))) {
        close(s);
        return;
    }
    unsigned char p[49] = {0};
    struct ip6_hdr *ip = (struct ip6_hdr *)p;
    ip->ip6_flow = htonl(6u << 28);
    ip->ip6_plen = htons(9);
    ip->ip6_nxt = IPPROTO_UDP;
    ip->ip6_hlim = 64;
    inet_pton(AF_INET6, "::1", &ip->ip6_src);
    inet_pton(AF_INET6, AWAY6, &ip->ip6_dst);
    struct udphdr *u = (struct udphdr *)(p + 40);
    u->source = htons(9999);
    u->dest = htons(port);
    u->len = htons(9);
    p[48] = 'x';
    struct sockaddr_in6 lo = v6("::1", 0);
    if (!failed(name, (int)sendto(s, p, sizeof p, 0, (struct sockaddr *)&lo, sizeof lo))) report(name, port);
    close(s);
}

/* sendmsg of "x" with one ancillary record, to {@code to} (or the connected peer when null). */
static ssize_t send_with(int s, void *to, socklen_t tolen, int level, int type, const void *data, size_t len) {
    union {
        char buf[CMSG_SPACE(64)];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct iovec iov = {"x", 1};
    struct msghdr m = {.msg_name = to, .msg_namelen = tolen, .msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = u.buf, .msg_controllen = CMSG_SPACE(len)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = level;
    c->cmsg_type = type;
    c->cmsg_len = CMSG_LEN(len);
    memcpy(CMSG_DATA(c), data, len);
    return sendmsg(s, &m, 0);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    own_network();
    capture = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
    if (capture < 0) die("packet socket");
    unsigned char opt[8], rt[24], seg[40];

    { /* the option on a socket, then sendto loopback */
        int port = next_port++, s = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in to = v4("127.0.0.1", port);
        lsrr(opt);
        if (!failed("v4-option-sendto", setsockopt(s, IPPROTO_IP, IP_OPTIONS, opt, 8))
            && !failed("v4-option-sendto", (int)sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof to)))
            report("v4-option-sendto", port);
        close(s);
    }
    { /* connected to loopback first, the option after, then a plain send (no address to check) */
        int port = next_port++, s = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in to = v4("127.0.0.1", port);
        lsrr(opt);
        if (!failed("v4-option-send", connect(s, (struct sockaddr *)&to, sizeof to))
            && !failed("v4-option-send", setsockopt(s, IPPROTO_IP, IP_OPTIONS, opt, 8))
            && !failed("v4-option-send", (int)send(s, "x", 1, 0)))
            report("v4-option-send", port);
        close(s);
    }
    { /* a TCP connect to loopback: its SYN goes to the first hop */
        int port = next_port++, s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        struct sockaddr_in to = v4("127.0.0.1", port);
        lsrr(opt);
        if (!failed("v4-option-tcp", setsockopt(s, IPPROTO_IP, IP_OPTIONS, opt, 8))) {
            int r = connect(s, (struct sockaddr *)&to, sizeof to);
            if (r == 0 || errno == EINPROGRESS) report("v4-option-tcp", port);
            else failed("v4-option-tcp", r);
        }
        close(s);
    }
    { /* the route passed with one message on a connected socket (no address) */
        int port = next_port++, s = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in to = v4("127.0.0.1", port);
        lsrr(opt);
        if (!failed("v4-message", connect(s, (struct sockaddr *)&to, sizeof to))
            && !failed("v4-message", (int)send_with(s, NULL, 0, IPPROTO_IP, IP_RETOPTS, opt, 8)))
            report("v4-message", port);
        close(s);
    }
    { /* the same with the address in the message */
        int port = next_port++, s = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in to = v4("127.0.0.1", port);
        lsrr(opt);
        if (!failed("v4-message-to", (int)send_with(s, &to, sizeof to, IPPROTO_IP, IP_RETOPTS, opt, 8)))
            report("v4-message-to", port);
        close(s);
    }
    { /* IPv6: a segment routing header on the socket, then sendto ::1 */
        int port = next_port++, s = socket(AF_INET6, SOCK_DGRAM, 0);
        struct sockaddr_in6 to = v6("::1", port);
        srh(seg);
        if (!failed("v6-option-sendto", setsockopt(s, IPPROTO_IPV6, IPV6_RTHDR, seg, 40))
            && !failed("v6-option-sendto", (int)sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof to)))
            report("v6-option-sendto", port);
        close(s);
    }
    { /* IPv6: a TCP connect to ::1, its SYN sent to the next segment */
        int port = next_port++, s = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
        struct sockaddr_in6 to = v6("::1", port);
        srh(seg);
        if (!failed("v6-option-tcp", setsockopt(s, IPPROTO_IPV6, IPV6_RTHDR, seg, 40))) {
            int r = connect(s, (struct sockaddr *)&to, sizeof to);
            if (r == 0 || errno == EINPROGRESS) report("v6-option-tcp", port);
            else failed("v6-option-tcp", r);
        }
        close(s);
    }
    { /* an IPv6 socket sending to a mapped IPv4 address takes IPv4's options */
        int port = next_port++, s = socket(AF_INET6, SOCK_DGRAM, 0);
        struct sockaddr_in6 to = v6("::ffff:127.0.0.1", port);
        lsrr(opt);
        if (!failed("mapped-option-sendto", setsockopt(s, IPPROTO_IP, IP_OPTIONS, opt, 8))
            && !failed("mapped-option-sendto", (int)sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof to)))
            report("mapped-option-sendto", port);
        close(s);
    }
    { /* IPv6: the header among the packet options of RFC 2292's socket option */
        int port = next_port++, s = socket(AF_INET6, SOCK_DGRAM, 0);
        struct sockaddr_in6 to = v6("::1", port);
        rthdr(rt);
        union {
            char buf[CMSG_SPACE(24)];
            struct cmsghdr align;
        } u;
        memset(&u, 0, sizeof u);
        struct cmsghdr *c = (struct cmsghdr *)u.buf;
        c->cmsg_level = IPPROTO_IPV6;
        c->cmsg_type = IPV6_RTHDR;
        c->cmsg_len = CMSG_LEN(24);
        memcpy(CMSG_DATA(c), rt, 24);
        if (!failed("v6-pktoptions", setsockopt(s, IPPROTO_IPV6, IPV6_2292PKTOPTIONS, u.buf, CMSG_SPACE(24)))
            && !failed("v6-pktoptions", (int)sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof to)))
            report("v6-pktoptions", port);
        close(s);
    }
    { /* IPv6: the header passed with one message on a connected socket */
        int port = next_port++, s = socket(AF_INET6, SOCK_DGRAM, 0);
        struct sockaddr_in6 to = v6("::1", port);
        rthdr(rt);
        if (!failed("v6-message", connect(s, (struct sockaddr *)&to, sizeof to))
            && !failed("v6-message", (int)send_with(s, NULL, 0, IPPROTO_IPV6, IPV6_RTHDR, rt, 24)))
            report("v6-message", port);
        close(s);
    }
    { /* harmless: a record-route option goes where the address says */
        int port = next_port++, s = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in to = v4("127.0.0.1", port);
        record_route(opt);
        if (!failed("v4-record-route", setsockopt(s, IPPROTO_IP, IP_OPTIONS, opt, 8))
            && !failed("v4-record-route", (int)sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof to)))
            report("v4-record-route", port);
        close(s);
    }
    { /* harmless: a TTL passed with one message on a connected socket */
        int port = next_port++, s = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in to = v4("127.0.0.1", port);
        int ttl = 7;
        if (!failed("v4-message-ttl", connect(s, (struct sockaddr *)&to, sizeof to))
            && !failed("v4-message-ttl", (int)send_with(s, NULL, 0, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl)))
            report("v4-message-ttl", port);
        close(s);
    }
    { /* raw: an IPv4 header of its own (IPPROTO_RAW), sent to 127.0.0.1, for 10.1.2.3 */
        int port = next_port++;
        raw4("v4-raw", socket(AF_INET, SOCK_RAW, IPPROTO_RAW), -1, AWAY4, port);
    }
    { /* raw: the same on a UDP raw socket told to take the program's header (IP_HDRINCL) */
        int port = next_port++;
        raw4("v4-raw-hdrincl", socket(AF_INET, SOCK_RAW, IPPROTO_UDP), 1, AWAY4, port);
    }
    { /* raw: IPv6's (IPPROTO_RAW, header of its own), sent to ::1, for fd00::1234 */
        int port = next_port++;
        raw6("v6-raw", socket(AF_INET6, SOCK_RAW, IPPROTO_RAW), -1, port);
    }
    { /* raw: IPv6's with IPV6_HDRINCL */
        int port = next_port++;
        raw6("v6-raw-hdrincl", socket(AF_INET6, SOCK_RAW, IPPROTO_UDP), 1, port);
    }
    { /* a packet socket bound to a device sends with no address at all: onto that device's wire */
        int port = next_port++, s = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
        struct sockaddr_ll dev = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
                                  .sll_ifindex = (int)if_nametoindex("lo")};
        unsigned char p[29];
        udp4(p, 1, AWAY4, port);
        if (!failed("packet-bound", s) && !failed("packet-bound", bind(s, (struct sockaddr *)&dev, sizeof dev))
            && !failed("packet-bound", (int)send(s, p, sizeof p, 0)))
            report("packet-bound", port);
        close(s);
    }
    { /* harmless: a UDP raw socket that leaves the header to the kernel (IP_HDRINCL off) */
        int port = next_port++;
        raw4("v4-raw-kernel-header", socket(AF_INET, SOCK_RAW, IPPROTO_UDP), 0, "127.0.0.1", port);
    }
    return 0;
}

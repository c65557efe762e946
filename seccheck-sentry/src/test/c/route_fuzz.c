/* route_fuzz: sets COUNT IPv4 option lists drawn from SEED on fresh UDP and TCP sockets
 * (setsockopt IP_OPTIONS), each a mix of the options the kernel knows (end, no-op, record route,
 * timestamps, security, loose and strict source routes, router alert) and bytes it does not,
 * with lengths and pointers that are right, short, long or past the end, some cut short of their
 * last option's length. Prints one line per call: the bytes given, and the result; after a success,
 * "route" when the options the kernel kept (read back with getsockopt) hold a loose or strict
 * source route, which would send the socket's packets to the route's first hop instead of the
 * address a connect names.
 *
 * Usage: route_fuzz SEED COUNT [messages]. Natively some lines say "route"; under a sink deciding
 * at connect, seccheck must refuse exactly those (EPERM) and answer every other line as natively
 * (RouteFuzzTest): the kernel's own readback is the oracle of what a route is. With "messages"
 * (in a network namespace of its own, whose loopback it brings up), each list is also sent as the
 * IP_RETOPTS record of a one-byte message, on UDP to a receiver on loopback or on a TCP
 * connection (whose sends take no IP record), and the line ends with the send's result. */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_draws.h"


enum { EOL = 0, NOP = 1, RR = 7, TS = 68, SEC = 130, LSRR = 131, SSRR = 137, RA = 148 };

/* Appends one option to OUT at *AT (at most 40 bytes in all). */
static void option(unsigned char *out, size_t *at) {
    static const unsigned char types[] = {EOL, NOP, NOP, RR, TS, SEC, LSRR, LSRR, SSRR, SSRR, RA, 0};
    unsigned char type = types[below(sizeof types)];
    if (type == 0 && below(2)) type = (unsigned char)next(); /* a type the kernel may not know */
    if (*at >= 40) return;
    out[(*at)++] = type;
    if (type == EOL || type == NOP) return;
    /* A length that fits the type (routes and records: 3 + 4 per address), or one that lies. */
    unsigned addrs = below(5);
    unsigned len;
    switch (below(6)) {
        case 0: len = below(44); break;
        case 1: len = 2; break;
        default: len = type == TS ? 4 + 4 * addrs : type == RA ? 4 : 3 + 4 * addrs;
    }
    if (*at >= 40) return;
    out[(*at)++] = (unsigned char)len;
    /* The pointer: the first free slot (4), the end, or anything. */
    unsigned ptr = below(4) == 0 ? below(256) : below(3) == 0 ? len + 1 : type == TS ? 5 : 4;
    if (*at < 40 && len > 2) out[(*at)++] = (unsigned char)ptr;
    for (unsigned i = 3; i < len && *at < 40; i++) {
        /* Addresses on loopback, or random bytes. */
        out[(*at)++] = below(3) == 0 ? (unsigned char)next() : (i - 3) % 4 == 0 ? 127 : (i - 3) % 4 == 3 ? 1 : 0;
    }
}

/* Whether the options the kernel kept, as getsockopt reads them back, hold a source route. */
static int holds_route(const unsigned char *o, size_t n) {
    for (size_t i = 0; i < n;) {
        if (o[i] == EOL) return 0;
        if (o[i] == NOP) {
            i++;
            continue;
        }
        if (o[i] == LSRR || o[i] == SSRR) return 1;
        if (i + 1 >= n || o[i + 1] < 2) return 0;
        i += o[i + 1];
    }
    return 0;
}

/* Brings the loopback device of the network namespace up (a new namespace's is down). */
static void loopback_up(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr = {0};
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0 || (ifr.ifr_flags |= IFF_UP, ioctl(s, SIOCSIFFLAGS, &ifr) < 0)) {
        perror("route_fuzz: bringing lo up (run it in a network namespace of its own: unshare -rn)");
        exit(2);
    }
    close(s);
}

/* The sockets the messages go through: a UDP socket and its receiver, and a TCP connection. */
struct peers {
    int udp, udp_in, tcp, tcp_in;
    struct sockaddr_in udp_to;
};

static int bound(int type, struct sockaddr_in *a) {
    int s = socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    socklen_t len = sizeof *a;
    *a = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(s, (struct sockaddr *)a, sizeof *a) < 0 || getsockname(s, (struct sockaddr *)a, &len) < 0) {
        perror("route_fuzz: bind");
        exit(2);
    }
    return s;
}

static struct peers connected(void) {
    struct peers p;
    struct sockaddr_in listen_at;
    p.udp_in = bound(SOCK_DGRAM, &p.udp_to);
    p.udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int l = bound(SOCK_STREAM, &listen_at);
    p.tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen(l, 1) < 0 || connect(p.tcp, (struct sockaddr *)&listen_at, sizeof listen_at) < 0
            || (p.tcp_in = accept4(l, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) < 0) {
        perror("route_fuzz: a TCP connection on loopback");
        exit(2);
    }
    close(l);
    return p;
}

/* Sends one byte with OPTS as its IP_RETOPTS record: the send's result, as route_fuzz prints it. */
static const char *sent_with(const struct peers *p, int udp, const unsigned char *opts, size_t n) {
    static char out[32];
    if (n > 40) n = 40; /* never: the lists are at most 40 bytes */
    char control[CMSG_SPACE(48)] = {0};
    struct iovec iov = {.iov_base = "x", .iov_len = 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                       .msg_controllen = CMSG_SPACE(n)};
    if (udp) {
        m.msg_name = (void *)&p->udp_to;
        m.msg_namelen = sizeof p->udp_to;
    }
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_RETOPTS;
    c->cmsg_len = CMSG_LEN(n);
    memcpy(CMSG_DATA(c), opts, n);
    ssize_t r = sendmsg(udp ? p->udp : p->tcp, &m, 0);
    if (r < 0) snprintf(out, sizeof out, "%s", strerrorname_np(errno));
    else snprintf(out, sizeof out, "%zd", r);
    char drain[64];
    while (recv(udp ? p->udp_in : p->tcp_in, drain, sizeof drain, 0) > 0) {
    }
    return out;
}

int main(int argc, char **argv) {
    int messages = argc == 4 && strcmp(argv[3], "messages") == 0;
    if (argc != 3 && !messages) {
        fprintf(stderr, "usage: route_fuzz SEED COUNT [messages]\n");
        return 2;
    }
    seed_draws(argv[1]);
    long count = strtol(argv[2], NULL, 0);
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct peers peers = {0};
    if (messages) {
        loopback_up();
        peers = connected();
    }
    int routes = 0;
    for (long i = 0; i < count; i++) {
        unsigned char opts[48];
        size_t n = 0;
        unsigned parts = below(5) + 1;
        for (unsigned p = 0; p < parts; p++) option(opts, &n);
        if (below(8) == 0 && n < 40) opts[n++] = (unsigned char)next(); /* a stray byte at the end */
        /* A list cut short: the kernel pads it with end options to a multiple of four bytes, and
         * reads a last option that says it is longer into that padding (six bytes of a seven-byte
         * loose route are a route to x.y.z.0). */
        if (below(4) == 0 && n > 1) n -= below(4) % n;
        int type = below(2) ? SOCK_DGRAM : SOCK_STREAM;
        int s = socket(AF_INET, type, 0);
        printf("%ld %s", i, type == SOCK_DGRAM ? "udp" : "tcp");
        for (size_t b = 0; b < n; b++) printf(" %02x", opts[b]);
        int r = setsockopt(s, IPPROTO_IP, IP_OPTIONS, opts, (socklen_t)n);
        if (r < 0) {
            printf(" = %s", strerrorname_np(errno));
        } else {
            unsigned char kept[64];
            socklen_t kl = sizeof kept;
            int route = getsockopt(s, IPPROTO_IP, IP_OPTIONS, kept, &kl) == 0 && holds_route(kept, kl);
            routes += route;
            printf(" = 0%s", route ? " route" : "");
        }
        if (messages) printf(", message %s", sent_with(&peers, type == SOCK_DGRAM, opts, n));
        printf("\n");
        close(s);
    }
    printf("done: %d routes\n", routes);
    return 0;
}

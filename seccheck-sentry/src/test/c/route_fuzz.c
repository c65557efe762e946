/* route_fuzz: sets COUNT IPv4 option lists drawn from SEED on fresh UDP and TCP sockets
 * (setsockopt IP_OPTIONS), each a mix of the options the kernel knows (end, no-op, record route,
 * timestamps, security, loose and strict source routes, router alert) and bytes it does not,
 * with lengths and pointers that are right, short, long or past the end, some cut short of their
 * last option's length. Prints one line per call: the bytes given, and the result; after a success, "route" when the options the kernel kept
 * (read back with getsockopt) hold a loose or strict source route, which would send the socket's
 * packets to the route's first hop instead of the address a connect names.
 *
 * Usage: route_fuzz SEED COUNT. Natively some lines say "route"; under a sink deciding at
 * connect, seccheck must refuse exactly those (EPERM) and answer every other line as natively
 * (RouteFuzzTest): the kernel's own readback is the oracle of what a route is. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: route_fuzz SEED COUNT\n");
        return 2;
    }
    seed_draws(argv[1]);
    long count = strtol(argv[2], NULL, 0);
    setvbuf(stdout, NULL, _IOLBF, 0);
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
            printf(" = %s\n", strerrorname_np(errno));
        } else {
            unsigned char kept[64];
            socklen_t kl = sizeof kept;
            int route = getsockopt(s, IPPROTO_IP, IP_OPTIONS, kept, &kl) == 0 && holds_route(kept, kl);
            routes += route;
            printf(" = 0%s\n", route ? " route" : "");
        }
        close(s);
    }
    printf("done: %d routes\n", routes);
    return 0;
}

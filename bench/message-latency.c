// message-latency N [threaded]: N rounds of three calls a network policy now holds or performs,
// each timed: a sendmsg of one byte with a TTL and no address on a connected UDP socket
// (ttl), a netlink dump request of the links by sendto (netlink; its answers read untimed), and a
// setsockopt of a record-route IP option (ipopt). With "threaded", a second thread sleeps
// throughout, sharing the descriptor table as every thread of a threaded program does. Prints
// the median of each in microseconds (bench/messages.sh).
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
static int cmp(const void *a, const void *b) { long x = *(long *)a, y = *(long *)b; return x < y ? -1 : x > y; }
static long ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000L + t.tv_nsec; }
static void *sleeper(void *arg) { (void)arg; pause(); return NULL; }
int main(int c, char **v) {
    int n = c > 1 ? atoi(v[1]) : 2000;
    if (c > 2 && !strcmp(v[2], "threaded")) {
        pthread_t t;
        pthread_create(&t, NULL, sleeper, NULL);
    }
    long *ttl = malloc(sizeof(long) * n), *nl = malloc(sizeof(long) * n), *opt = malloc(sizeof(long) * n);
    int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    socklen_t al = sizeof a;
    if (bind(rx, (struct sockaddr *)&a, sizeof a) || getsockname(rx, (struct sockaddr *)&a, &al)
        || connect(tx, (struct sockaddr *)&a, sizeof a)) {
        perror("message-latency: udp");
        return 1;
    }
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct iovec iov = {"x", 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    cm->cmsg_level = IPPROTO_IP;
    cm->cmsg_type = IP_TTL;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    *(int *)CMSG_DATA(cm) = 9;
    int s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    struct {
        struct nlmsghdr h;
        struct ifinfomsg i;
    } req = {.h = {.nlmsg_len = sizeof req, .nlmsg_type = RTM_GETLINK, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
             .i = {.ifi_family = AF_UNSPEC}};
    unsigned char rr[8] = {IPOPT_NOP, IPOPT_RR, 7, 4, 0, 0, 0, 0};
    static char answer[1 << 16];
    char b;
    for (int i = 0; i < n; i++) {
        long t0 = ns();
        if (sendmsg(tx, &m, 0) != 1) { perror("sendmsg"); return 1; }
        ttl[i] = ns() - t0;
        if (read(rx, &b, 1) != 1) { perror("read"); return 1; }
        req.h.nlmsg_seq = i + 1;
        t0 = ns();
        if (sendto(s, &req, sizeof req, 0, (struct sockaddr *)&kernel, sizeof kernel) != sizeof req) {
            perror("netlink sendto");
            return 1;
        }
        nl[i] = ns() - t0;
        for (int done = 0; !done;) {
            ssize_t got = recv(s, answer, sizeof answer, 0);
            if (got <= 0) { perror("netlink recv"); return 1; }
            for (struct nlmsghdr *h = (struct nlmsghdr *)answer; NLMSG_OK(h, got); h = NLMSG_NEXT(h, got)) {
                done |= h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR;
            }
        }
        t0 = ns();
        if (setsockopt(tx, IPPROTO_IP, IP_OPTIONS, rr, sizeof rr)) { perror("setsockopt"); return 1; }
        opt[i] = ns() - t0;
    }
    qsort(ttl, n, sizeof(long), cmp);
    qsort(nl, n, sizeof(long), cmp);
    qsort(opt, n, sizeof(long), cmp);
    printf("ttl=%ld netlink=%ld ipopt=%ld\n", ttl[n / 2] / 1000, nl[n / 2] / 1000, opt[n / 2] / 1000);
    return 0;
}

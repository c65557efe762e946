/*
 * compat_message_flag: sendmsg and sendmmsg with MSG_CMSG_COMPAT in their flags
 * (CompatMessageFlagTest). The flag is the kernel's own mark of a 32-bit caller's message, whose
 * ancillary data has the 32-bit layout; __sys_sendmsg and __sys_sendmmsg refuse it from a 64-bit
 * caller with EINVAL before they look anything up, the descriptor included. sendto does not
 * check it, and sends.
 *
 * A UDP socket sends to a receiver on 127.0.0.1 (an ephemeral port): sendmsg and sendmmsg with an
 * address, then, connected, without one; each names a payload of its own ("a".."h"). Then the
 * order: a descriptor that is none and a sendmmsg of no message, both refused for the flag first;
 * a netlink request (a message the kernel makes as the program made it); sendto with the flag,
 * which is sent; and sendmsg with only the register's upper half set, which is no flag at all
 * (the flags are an unsigned int). One line per call, then the payloads the receiver got.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define COMPAT 0x80000000u

static void show(const char *what, long r) {
    if (r < 0) {
        printf("%s %s\n", what, strerrorname_np(errno));
    } else {
        printf("%s %ld\n", what, r);
    }
}

/* A message of one byte, payload, to `to` (none when NULL). */
static struct msghdr message(struct iovec *iov, char *payload, struct sockaddr_in *to) {
    iov->iov_base = payload;
    iov->iov_len = 1;
    struct msghdr h = {.msg_name = to, .msg_namelen = to ? sizeof *to : 0, .msg_iov = iov, .msg_iovlen = 1};
    return h;
}

int main(void) {
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof to;
    int rx = socket(AF_INET, SOCK_DGRAM, 0);
    if (rx < 0 || bind(rx, (struct sockaddr *) &to, sizeof to) != 0 || getsockname(rx, (struct sockaddr *) &to, &len) != 0) {
        perror("receiver");
        return 1;
    }
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    static char payloads[] = "abcdefgh";
    struct iovec iov;
    struct msghdr h = message(&iov, &payloads[0], &to);
    show("sendmsg named", sendmsg(s, &h, COMPAT));
    struct mmsghdr m = {.msg_hdr = message(&iov, &payloads[1], &to)};
    show("sendmmsg named", sendmmsg(s, &m, 1, COMPAT));
    if (connect(s, (struct sockaddr *) &to, sizeof to) != 0) {
        perror("connect");
        return 1;
    }
    h = message(&iov, &payloads[2], NULL);
    show("sendmsg connected", sendmsg(s, &h, COMPAT));
    m.msg_hdr = message(&iov, &payloads[3], NULL);
    show("sendmmsg connected", sendmmsg(s, &m, 1, COMPAT));
    show("sendmsg no descriptor", sendmsg(999, &h, COMPAT));
    show("sendmmsg no message", sendmmsg(s, &m, 0, COMPAT));
    int nl = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    struct nlmsghdr noop = {.nlmsg_len = sizeof noop, .nlmsg_type = NLMSG_NOOP};
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    struct iovec request = {&noop, sizeof noop};
    struct msghdr nh = {.msg_name = &kernel, .msg_namelen = sizeof kernel, .msg_iov = &request, .msg_iovlen = 1};
    show("sendmsg netlink", sendmsg(nl, &nh, COMPAT));
    show("sendto", sendto(s, &payloads[6], 1, COMPAT, (struct sockaddr *) &to, sizeof to));
    h = message(&iov, &payloads[7], NULL);
    show("sendmsg upper half", syscall(SYS_sendmsg, s, &h, 0x100000000L));
    printf("received");
    char c;
    for (int i = 0; i < 100 && recv(rx, &c, 1, MSG_DONTWAIT) == 1; i++) {
        printf(" %c", c);
    }
    printf("\n");
    return 0;
}

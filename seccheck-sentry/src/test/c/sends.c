/*
 * sends: one of each way a datagram reaches a peer, and an openat2, each a syscall seccheck may
 * report under another syscall's points (connect's, openat's). Prints every result, in order,
 * so that a test can match them with the exit points fired.
 *
 *   sends PORT FILE
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: sends PORT FILE\n");
        return 2;
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1])),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    char data[] = "hello";
    printf("sendto %zd\n", sendto(s, data, 5, 0, (struct sockaddr *)&a, sizeof a));
    struct iovec iov = {data, 5};
    struct msghdr m = {.msg_name = &a, .msg_namelen = sizeof a, .msg_iov = &iov, .msg_iovlen = 1};
    printf("sendmsg %zd\n", sendmsg(s, &m, 0));
    struct mmsghdr mm[2] = {{.msg_hdr = m}, {.msg_hdr = m}};
    printf("sendmmsg %d\n", sendmmsg(s, mm, 2, 0));
    printf("connect %d\n", connect(s, (struct sockaddr *)&a, sizeof a));
    printf("send %zd\n", send(s, data, 5, 0));
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC};
    printf("openat2 %ld\n", syscall(SYS_openat2, AT_FDCWD, argv[2], &how, sizeof how));
    return 0;
}

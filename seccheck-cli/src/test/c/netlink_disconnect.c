/* netlink_disconnect.c: connects a netlink route socket to the kernel, then disconnects it
   (connect to AF_UNSPEC), and prints each result. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int main(void) {
    int s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    int r = connect(s, (struct sockaddr *)&kernel, sizeof kernel);
    printf("connect AF_NETLINK = %d %s\n", r, r ? strerrorname_np(errno) : "");
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    r = connect(s, &unspec, sizeof unspec);
    printf("connect AF_UNSPEC = %d %s\n", r, r ? strerrorname_np(errno) : "");
    return 0;
}

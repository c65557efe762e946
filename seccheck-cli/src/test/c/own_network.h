/*
 * A network namespace of the test program's own, for routes to "other hosts" that never leave
 * the machine: its user namespace gives it the rights there, and 10.1.2.3 and fd00::1234 are
 * addresses of its loopback device beside 127.0.0.1 and ::1.
 */
#ifndef OWN_NETWORK_H
#define OWN_NETWORK_H

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define AWAY4 "10.1.2.3"
#define AWAY6 "fd00::1234"

/* The IPv6 address configuration ioctl's argument (linux/ipv6.h's in6_ifreq). */
struct in6_ifreq {
    struct in6_addr addr;
    unsigned int prefixlen;
    int ifindex;
};

/* Says which step of the setup failed, and ends the program. */
static void die(const char *what) {
    printf("setup %s errno %d\n", what, errno);
    exit(1);
}

/* A namespace of its own: lo up, with 10.1.2.3 and fd00::1234 beside 127.0.0.1 and ::1. */
static void own_network(void) {
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0 && unshare(CLONE_NEWNET) != 0) die("unshare");
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr = {0};
    strcpy(ifr.ifr_name, "lo");
    ifr.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) die("lo up");
    struct ifreq alias = {0};
    strcpy(alias.ifr_name, "lo:1");
    struct sockaddr_in *a = (struct sockaddr_in *)&alias.ifr_addr;
    a->sin_family = AF_INET;
    inet_pton(AF_INET, AWAY4, &a->sin_addr);
    if (ioctl(s, SIOCSIFADDR, &alias) != 0) die("10.1.2.3");
    close(s);
    int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
    struct in6_ifreq r6 = {.prefixlen = 128, .ifindex = (int)if_nametoindex("lo")};
    inet_pton(AF_INET6, AWAY6, &r6.addr);
    if (ioctl(s6, SIOCSIFADDR, &r6) != 0) die("fd00::1234");
    close(s6);
    usleep(200000); /* IPv6 addresses pass duplicate address detection; on lo at once, but settle */
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

#endif

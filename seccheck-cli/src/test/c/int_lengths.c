/*
 * int_lengths: connect, sendto and bind take the address's length as an int; a register whose
 * upper half is set (a caller passing a 64-bit value) names the same length. Connects a TCP
 * socket to a loopback listener and sends a datagram to a loopback socket, each with the length
 * 1 << 32 | 16, and binds a socket so too; prints each result ("connect 0", "sendto 1",
 * "bind 0") or its errno's name.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HIGH (1UL << 32)

static void show(const char *call, long r) {
    printf("%s %s\n", call, r < 0 ? strerrorname_np(errno) : r == 0 ? "0" : "1");
}

int main(void) {
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof local;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *) &local, sizeof local) != 0 || listen(listener, 1) != 0
            || getsockname(listener, (struct sockaddr *) &local, &len) != 0) {
        perror("listener");
        return 1;
    }
    int s = socket(AF_INET, SOCK_STREAM, 0);
    show("connect", syscall(SYS_connect, s, &local, HIGH | sizeof local));

    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    len = sizeof peer;
    int receiver = socket(AF_INET, SOCK_DGRAM, 0);
    if (receiver < 0 || bind(receiver, (struct sockaddr *) &peer, sizeof peer) != 0
            || getsockname(receiver, (struct sockaddr *) &peer, &len) != 0) {
        perror("receiver");
        return 1;
    }
    int sender = socket(AF_INET, SOCK_DGRAM, 0);
    show("sendto", syscall(SYS_sendto, sender, "x", 1, 0, &peer, HIGH | sizeof peer));

    struct sockaddr_in any = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int bound = socket(AF_INET, SOCK_DGRAM, 0);
    show("bind", syscall(SYS_bind, bound, &any, HIGH | sizeof any));
    return 0;
}

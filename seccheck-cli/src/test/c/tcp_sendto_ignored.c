/*
 * tcp_sendto_ignored: a sendto naming an address on a connected TCP socket (NetEmulationTest's
 * TcpSendtoTest). The kernel sends to the socket's peer and ignores the address unless the send
 * connects (MSG_FASTOPEN): so the address named here, 192.0.2.1:9 (TEST-NET-1), is never contacted.
 *
 * Listens on 127.0.0.1 (an ephemeral port), connects to it, sends one byte with sendto naming
 * 192.0.2.1:9, and prints "sendto N" (or "sendto ERRNO") and "peer got C" (what the accepted
 * socket read). Exits 0 once it got that far.
 *
 * tcp_sendto_ignored mptcp: the same from a Multipath TCP socket (IPPROTO_MPTCP), whose sends
 * ignore the address as TCP's do.
 * tcp_sendto_ignored connecting: a socket still connecting (SYN_SENT: its connect met a full
 * accept queue) sends with MSG_DONTWAIT naming 192.0.2.1:9: the kernel waits for the connect it
 * has, whatever the send names, and says EAGAIN. Prints "sendto EAGAIN".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int connecting = argc > 1 && strcmp(argv[1], "connecting") == 0;
    int protocol = argc > 1 && strcmp(argv[1], "mptcp") == 0 ? IPPROTO_MPTCP : 0;
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof local;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *) &local, sizeof local) != 0
            || listen(listener, connecting ? 0 : 1) != 0 || getsockname(listener, (struct sockaddr *) &local, &len) != 0) {
        perror("listener");
        return 1;
    }
    int s = socket(AF_INET, SOCK_STREAM, protocol);
    if (s < 0 || connect(s, (struct sockaddr *) &local, sizeof local) != 0) {
        perror("connect");
        return 1;
    }
    struct sockaddr_in far = {.sin_family = AF_INET, .sin_port = htons(9)};
    inet_pton(AF_INET, "192.0.2.1", &far.sin_addr);
    if (connecting) {
        /* The first connection fills the queue of one; the second's SYN is dropped until it is accepted. */
        int second = socket(AF_INET, SOCK_STREAM, 0);
        fcntl(second, F_SETFL, O_NONBLOCK);
        if (second < 0 || connect(second, (struct sockaddr *) &local, sizeof local) == 0 || errno != EINPROGRESS) {
            perror("second connect");
            return 1;
        }
        ssize_t n = sendto(second, "x", 1, MSG_DONTWAIT, (struct sockaddr *) &far, sizeof far);
        printf("sendto %s\n", n < 0 ? strerrorname_np(errno) : "sent");
        return 0;
    }
    int peer = accept(listener, NULL, NULL);
    if (peer < 0) {
        perror("accept");
        return 1;
    }
    ssize_t n = sendto(s, "x", 1, 0, (struct sockaddr *) &far, sizeof far);
    if (n < 0) {
        printf("sendto %s\n", strerrorname_np(errno));
        return 0;
    }
    printf("sendto %zd\n", n);
    char c = 0;
    ssize_t got = recv(peer, &c, 1, MSG_DONTWAIT);
    for (int i = 0; got < 0 && errno == EAGAIN && i < 100; i++) {
        usleep(10000);
        got = recv(peer, &c, 1, MSG_DONTWAIT);
    }
    printf("peer got %c\n", got == 1 ? c : '?');
    return 0;
}

/*
 * tcp_sendto_ignored: a sendto naming an address on a connected TCP socket (NetEmulationTest's
 * TcpSendtoTest). The kernel sends to the socket's peer and ignores the address unless the send
 * connects (MSG_FASTOPEN): so the address named here, 192.0.2.1:9 (TEST-NET-1), is never contacted.
 *
 * Listens on 127.0.0.1 (an ephemeral port), connects to it, sends one byte with sendto naming
 * 192.0.2.1:9, and prints "sendto N" (or "sendto ERRNO") and "peer got C" (what the accepted
 * socket read). Exits 0 once it got that far.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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
    if (s < 0 || connect(s, (struct sockaddr *) &local, sizeof local) != 0) {
        perror("connect");
        return 1;
    }
    int peer = accept(listener, NULL, NULL);
    if (peer < 0) {
        perror("accept");
        return 1;
    }
    struct sockaddr_in far = {.sin_family = AF_INET, .sin_port = htons(9)};
    inet_pton(AF_INET, "192.0.2.1", &far.sin_addr);
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

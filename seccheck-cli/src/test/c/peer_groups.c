/*
 * peer_groups DIR: sets its supplementary groups to 4242 and 4343 (root), connects a unix stream
 * socket to a listener of its own at DIR/peer.sock, and prints the groups the accepted socket's
 * peer shows (SO_PEERGROUPS): "peer groups: 4242 4343".
 */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: peer_groups DIR\n");
        return 2;
    }
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s/peer.sock", argv[1]);
    unlink(addr.sun_path);
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *) &addr, sizeof addr) != 0 || listen(listener, 1) != 0) {
        perror("listener");
        return 1;
    }
    gid_t groups[2] = {4242, 4343};
    if (setgroups(2, groups) != 0) {
        perror("setgroups");
        return 1;
    }
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *) &addr, sizeof addr) != 0) {
        perror("connect");
        return 1;
    }
    int accepted = accept(listener, NULL, NULL);
    gid_t shown[64];
    socklen_t len = sizeof shown;
    if (accepted < 0 || getsockopt(accepted, SOL_SOCKET, SO_PEERGROUPS, shown, &len) != 0) {
        perror("SO_PEERGROUPS");
        return 1;
    }
    printf("peer groups:");
    for (unsigned i = 0; i < len / sizeof(gid_t); i++) {
        printf(" %u", shown[i]);
    }
    printf("\n");
    unlink(addr.sun_path);
    return 0;
}

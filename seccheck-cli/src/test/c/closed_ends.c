/*
 * closed_ends: a descriptor the program closes right after a call on it no longer holds its
 * file open: natively the other end sees the close at once, and must under seccheck too, which
 * must keep no copy of the descriptor once the call is answered.
 *
 *   closed_ends pipe ROUNDS         fchmod a pipe's write end, close it; the read end, read at
 *                                   once (O_NONBLOCK), must say end of file (0), not EAGAIN
 *   closed_ends socket DIR ROUNDS   connect a unix stream socket to a listener at DIR/listener,
 *                                   close it, accept the connection; a read of it at once
 *                                   (O_NONBLOCK) must say end of file (0), not EAGAIN
 *
 * Prints "MODE: still open N of ROUNDS" and each failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* 1 when a read of fd (O_NONBLOCK) finds its peer still open (EAGAIN), 0 at end of file, -1 on error. */
static int still_open(int fd) {
    char c;
    ssize_t n = read(fd, &c, 1);
    if (n == 0) {
        return 0;
    }
    if (n < 0 && errno == EAGAIN) {
        return 1;
    }
    perror("read");
    return -1;
}

static int pipes(int rounds) {
    int open_ends = 0;
    for (int i = 0; i < rounds; i++) {
        int p[2];
        if (pipe2(p, O_NONBLOCK) != 0) {
            perror("pipe2");
            return 1;
        }
        if (fchmod(p[1], 0600) != 0) {
            perror("fchmod");
        }
        close(p[1]);
        int r = still_open(p[0]);
        if (r < 0) {
            return 1;
        }
        open_ends += r;
        close(p[0]);
    }
    printf("pipe: still open %d of %d\n", open_ends, rounds);
    return 0;
}

static int sockets(const char *dir, int rounds) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s/listener", dir);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    if (l < 0 || bind(l, (struct sockaddr *) &addr, sizeof addr) != 0 || listen(l, 8) != 0) {
        perror("listener");
        return 1;
    }
    int open_ends = 0;
    for (int i = 0; i < rounds; i++) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (c < 0 || connect(c, (struct sockaddr *) &addr, sizeof addr) != 0) {
            perror("connect");
            return 1;
        }
        close(c);
        int a = accept4(l, NULL, NULL, SOCK_NONBLOCK);
        if (a < 0) {
            perror("accept4");
            return 1;
        }
        int r = still_open(a);
        if (r < 0) {
            return 1;
        }
        open_ends += r;
        close(a);
    }
    printf("socket: still open %d of %d\n", open_ends, rounds);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "pipe") == 0) {
        return pipes(atoi(argv[2]));
    }
    if (argc == 4 && strcmp(argv[1], "socket") == 0) {
        return sockets(argv[2], atoi(argv[3]));
    }
    fprintf(stderr, "usage: closed_ends pipe ROUNDS | closed_ends socket DIR ROUNDS\n");
    return 2;
}

/* own_unix_server.c NAME: serves a unix stream socket at NAME (a path, or @name for an abstract
   one) and connects to it from a child. The child says what its connect and write gave, then
   the server what it accepted and read: natively "connect 0", "write 2", "read 2 hi". */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: own_unix_server NAME\n");
        return 2;
    }
    const char *name = argv[1];
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strncpy(a.sun_path, name, sizeof a.sun_path - 1);
    socklen_t len = sizeof a;
    if (name[0] == '@') {
        a.sun_path[0] = 0;
        len = offsetof(struct sockaddr_un, sun_path) + strlen(name);
    } else {
        unlink(name);
    }
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(s, (struct sockaddr *)&a, len) || listen(s, 5)) {
        perror("bind/listen");
        return 1;
    }
    pid_t child = fork();
    if (child == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        int r = connect(c, (struct sockaddr *)&a, len);
        printf("connect %d %s\n", r, r ? strerrorname_np(errno) : "");
        ssize_t w = write(c, "hi", 2);
        printf("write %zd %s\n", w, w < 0 ? strerrorname_np(errno) : "");
        return 0;
    }
    int c = accept(s, NULL, NULL);
    char buf[8] = {0};
    ssize_t n = c < 0 ? -1 : read(c, buf, sizeof buf - 1);
    waitpid(child, NULL, 0);
    printf("accept %s read %zd %s\n", c < 0 ? "failed" : "made", n, buf);
    if (name[0] != '@') {
        unlink(name);
    }
    return 0;
}

// emfile_accept: a connection waits on a loopback listener while the program is out of
// descriptors (every slot below its soft RLIMIT_NOFILE taken). Natively accept fails with EMFILE
// before it takes the connection, which the next accept, with the limit raised again, gets.
// Prints both accepts' outcomes; the listener is non-blocking, so a lost connection shows as EAGAIN.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static void outcome(const char *what, int fd) {
    printf("%s: %s\n", what, fd >= 0 ? "ok" : errno == EMFILE ? "EMFILE" : errno == EAGAIN ? "EAGAIN" : strerror(errno));
}

int main(void) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 4) != 0
            || getsockname(l, (struct sockaddr *)&a, &len) != 0) {
        return 2;
    }
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) != 0) {
        return 3;
    }
    struct rlimit was;
    getrlimit(RLIMIT_NOFILE, &was);
    struct rlimit few = {64, was.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &few) != 0) {
        return 4;
    }
    int filled[64], n = 0;
    while (n < 64 && (filled[n] = open("/dev/null", O_RDONLY)) >= 0) {
        n++;
    }
    outcome("accept out of descriptors", accept(l, NULL, NULL));
    if (setrlimit(RLIMIT_NOFILE, &was) != 0) {
        return 5;
    }
    outcome("accept with room", accept(l, NULL, NULL));
    return 0;
}

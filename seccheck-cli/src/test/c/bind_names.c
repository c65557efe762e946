/* bind_names.c NAME...: binds a new unix datagram socket to each NAME and prints the result. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        int s = socket(AF_UNIX, SOCK_DGRAM, 0);
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        strncpy(a.sun_path, argv[i], sizeof a.sun_path - 1);
        int r = bind(s, (struct sockaddr *)&a, sizeof a);
        printf("bind %s = %d %s\n", argv[i], r, r ? strerrorname_np(errno) : "");
        close(s);
    }
    return 0;
}

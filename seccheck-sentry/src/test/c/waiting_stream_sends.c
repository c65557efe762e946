// Many blocking sends of 1 MiB each, on unix stream sockets whose readers never read: they all
// wait for room, as a hostile program's would to make its supervisor hold their data.
//
// Usage: waiting_stream_sends N DIR
//   Forks N senders, each making one sendmsg of 1 MiB on its own socketpair. Once every reader's
//   end has bytes queued (every send has begun: it waits, as its 1 MiB is more than the socket
//   holds), writes DIR/waiting (its parent's pid: seccheck's, under seccheck), then waits for
//   DIR/done to appear and ends the senders. bench/stream-sends.sh measures seccheck's memory so.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MIB = 1 << 20, MAX = 1024 };

int main(int argc, char **argv) {
    int n = argc > 2 ? atoi(argv[1]) : 0;
    if (n <= 0 || n > MAX) {
        fprintf(stderr, "usage: waiting_stream_sends N DIR (N up to %d)\n", MAX);
        return 2;
    }
    static int readers[MAX];
    static pid_t senders[MAX];
    for (int i = 0; i < n; i++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) { perror("socketpair"); return 1; }
        senders[i] = fork();
        if (senders[i] == 0) {
            char *data = malloc(MIB);
            memset(data, 'x', MIB);
            struct iovec io = {data, MIB};
            struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1};
            sendmsg(sv[0], &m, 0);
            _exit(0);
        }
        close(sv[0]);
        readers[i] = sv[1];
    }
    for (int i = 0; i < n; i++) {
        int queued = 0;
        while (ioctl(readers[i], FIONREAD, &queued) == 0 && queued == 0) usleep(10000);
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/waiting", argv[2]);
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); return 1; }
    fprintf(f, "%d\n", (int)getppid());
    fclose(f);
    snprintf(path, sizeof path, "%s/done", argv[2]);
    struct stat st;
    while (stat(path, &st) != 0) usleep(10000);
    for (int i = 0; i < n; i++) {
        kill(senders[i], SIGKILL);
        waitpid(senders[i], 0, 0);
    }
    return 0;
}

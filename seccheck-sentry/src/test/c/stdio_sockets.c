/* stdio_sockets: the workload of StdioSocketsTest (issue 11). Run as `stdio_sockets SCRATCH` (an
 * empty, writable directory). It starts /bin/true twice with sockets as its standard descriptors,
 * as inetd or systemd socket activation start a program:
 *   "unix": stdin and stdout the two ends of a unix socketpair, stderr a netlink socket (a family
 *   gVisor does not describe);
 *   "tcp": stdin the client end of a TCP connection over 127.0.0.1, stdout the server's end of
 *   it (accepted), stderr the listening socket (bound, no peer).
 * It writes to SCRATCH/ids, one "name value" a line, what the test cannot know beforehand: each
 * child's pid, the listener's port and the client's. Exits 0 when every step went as planned,
 * 1 (saying which) otherwise. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static FILE *ids;

static void fail(const char *what) {
    fprintf(stderr, "stdio_sockets: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Runs /bin/true with in, out and err as its descriptors 0, 1 and 2; waits for it to exit 0. */
static void run_true(const char *name, int in, int out, int err) {
    pid_t pid = fork();
    if (pid < 0) fail("fork");
    if (pid == 0) {
        if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(126);
        execl("/bin/true", "true", name, (char *)NULL);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid) fail(name);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "stdio_sockets: %s: wait status 0x%x\n", name, st);
        exit(1);
    }
    fprintf(ids, "%s %d\n", name, pid);
}

static int port_of(int fd) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &len) < 0) fail("getsockname");
    return ntohs(a.sin_port);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: stdio_sockets SCRATCH\n");
        return 1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/ids", argv[1]);
    ids = fopen(path, "w");
    if (ids == NULL) fail(path);
    setvbuf(ids, NULL, _IOLBF, 0);

    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) < 0) fail("socketpair");
    int netlink = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    if (netlink < 0) fail("netlink socket");
    run_true("unix", pair[0], pair[1], netlink);

    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (listener < 0 || bind(listener, (struct sockaddr *)&a, sizeof a) < 0 || listen(listener, 1) < 0) fail("listener");
    fprintf(ids, "port %d\n", port_of(listener));
    a.sin_port = htons(port_of(listener));
    int client = socket(AF_INET, SOCK_STREAM, 0);
    if (client < 0 || connect(client, (struct sockaddr *)&a, sizeof a) < 0) fail("connect");
    int server = accept(listener, NULL, NULL);
    if (server < 0) fail("accept");
    fprintf(ids, "client %d\n", port_of(client));
    run_true("tcp", client, server, listener);
    return 0;
}

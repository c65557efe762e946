// Reopens, through /proc/self/fd/N, objects no path reaches, and a FIFO that has one; prints one
// line each, with the kernel's answer. A pipe's read end reopened for writing is the same pipe:
// a byte written through it is read from the first end. Usage: pathless_reopen FIFO OTHER_FIFO, two
// FIFOs on disk (made by the caller, mode 0666): the first opened by its name, the second by its
// name and then reopened through /proc/self/fd/N, which reaches it by its name too.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

/** Opens /proc/self/fd/FD with FLAGS: the new fd, or -1 after printing "NAME ERRNO". */
static int reopen(const char *name, int fd, int flags) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int r = open(path, flags);
    if (r < 0) printf("%s %s\n", name, strerrorname_np(errno));
    return r;
}

/** Prints "NAME ok" when FD is an fd (closing it). */
static void ok(const char *name, int fd) {
    if (fd >= 0) {
        printf("%s ok\n", name);
        close(fd);
    }
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: pathless_reopen FIFO OTHER_FIFO\n"); return 2; }
    setvbuf(stdout, NULL, _IONBF, 0);
    int p[2];
    if (pipe(p) != 0) { perror("pipe"); return 1; }
    ok("pipe-read-end-for-reading", reopen("pipe-read-end-for-reading", p[0], O_RDONLY));
    int w = reopen("pipe-read-end-for-writing", p[0], O_WRONLY);
    if (w >= 0) {
        char c = 0;
        ssize_t wrote = write(w, "a", 1);
        ssize_t got = read(p[0], &c, 1);
        printf("pipe-read-end-for-writing wrote %zd read %zd %c\n", wrote, got, c);
        close(w);
    }
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    ok("socket", reopen("socket", sv[0], O_RDWR));
    ok("eventfd", reopen("eventfd", eventfd(0, 0), O_RDWR));
    ok("epoll", reopen("epoll", epoll_create1(0), O_RDONLY));
    // A FIFO on disk has a name, by which it is decided, whichever way it is reached.
    int named = open(argv[1], O_RDWR);
    if (named < 0) printf("fifo-by-name %s\n", strerrorname_np(errno));
    ok("fifo-by-name", named);
    int other = open(argv[2], O_RDWR);
    if (other < 0) { printf("other-fifo-by-name %s\n", strerrorname_np(errno)); return 1; }
    ok("other-fifo-through-proc", reopen("other-fifo-through-proc", other, O_RDWR));
    return 0;
}

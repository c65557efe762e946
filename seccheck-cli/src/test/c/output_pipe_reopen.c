// Tries to read seccheck's own lines from the pipe that is its stderr (and the program's): reopens
// /proc/self/fd/2 for reading (the kernel gives a read end of the same pipe), and by the other ways
// to it, parks reader threads on every read end it got, then makes N calls that seccheck refuses
// with a line each (signal 0 to its parent: seccheck under it) and N opens of /etc/shadow (which a
// policy denies with an alert line). Writing to stderr by a reopen, and reopening for reading a pipe
// that is not seccheck's (its own, and stdin, where the caller writes "from-test"), stay allowed.
// Prints one line per attempt on stdout, with the kernel's answer. Usage: output_pipe_reopen N
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define READERS 4

static atomic_long stolen;

static void *reader(void *arg) {
    int fd = (int) (long) arg;
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            atomic_fetch_add(&stolen, n);
        } else if (n == 0 || errno != EINTR) {
            return NULL;
        }
    }
}

/** Opens PATH with FLAGS; prints "NAME ok" or "NAME ERRNO"; returns the fd or -1. */
static int attempt(const char *name, const char *path, int flags) {
    int fd = open(path, flags);
    if (fd < 0) {
        printf("%s %s\n", name, strerrorname_np(errno));
    } else {
        printf("%s ok\n", name);
    }
    return fd;
}

/** Parks READERS threads in read(FD) when FD is one. */
static void park(int fd) {
    for (int i = 0; fd >= 0 && i < READERS; i++) {
        pthread_t t;
        pthread_create(&t, NULL, reader, (void *) (long) fd);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: output_pipe_reopen N\n"); return 2; }
    int calls = atoi(argv[1]);
    setvbuf(stdout, NULL, _IONBF, 0);
    char path[64];

    park(attempt("stderr-for-reading", "/proc/self/fd/2", O_RDONLY));
    park(attempt("stderr-for-reading-and-writing", "/dev/stderr", O_RDWR));
    int opath = open("/proc/self/fd/2", O_PATH);
    snprintf(path, sizeof path, "/proc/self/fd/%d", opath);
    park(attempt("stderr-through-o-path", path, O_RDONLY));
    // Another process of the run reaches it through this one's /proc entry.
    pid_t child = fork();
    if (child == 0) {
        snprintf(path, sizeof path, "/proc/%d/fd/2", (int) getppid());
        int fd = attempt("stderr-of-parent-for-reading", path, O_RDONLY);
        _exit(fd < 0 ? 1 : 0);
    }
    waitpid(child, NULL, 0);

    int w = attempt("stderr-for-writing", "/proc/self/fd/2", O_WRONLY);
    if (w >= 0) {
        dprintf(w, "the program's own line\n");
        close(w);
    }
    int own[2];
    pipe(own);
    snprintf(path, sizeof path, "/proc/self/fd/%d", own[1]);
    int r = attempt("own-pipe-write-end-for-reading", path, O_RDONLY);
    if (r >= 0) {
        char c = 0;
        ssize_t wrote = write(own[1], "a", 1);
        ssize_t got = read(r, &c, 1);
        printf("own-pipe wrote %zd read %zd %c\n", wrote, got, c);
    }
    int in = attempt("stdin-for-reading", "/dev/stdin", O_RDONLY);
    if (in >= 0) {
        char buf[64] = {0};
        ssize_t got = read(in, buf, sizeof buf - 1);
        printf("stdin read %zd %s", got, buf);
    }

    int refused = 0;
    for (int i = 0; i < calls; i++) {
        if (kill(getppid(), 0) != 0) refused++;
        int fd = open("/etc/shadow", O_RDONLY);
        if (fd >= 0) close(fd);
    }
    printf("calls %d\n", calls);
    // Lets the readers take what is in the pipe: how much they took is told, not asserted.
    usleep(300000);
    fprintf(stdout, "stolen %ld refused %d\n", atomic_load(&stolen), refused);
    _exit(0);
}

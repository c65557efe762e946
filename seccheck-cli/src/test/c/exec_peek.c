/*
 * exec_peek PROGRAM: forks a child that executes PROGRAM with the argument "1" (embedded_key.c,
 * built static and not position-independent, so that its image lies at 0x400000, lingers a
 * second), and reads the child's memory there until it finds the key the image holds or the child
 * has ended: with process_vm_readv, and through /proc/PID/mem opened afresh each time (its memory
 * as it is then). Prints how the key was read ("peeked by process_vm_readv", "peeked by
 * /proc/PID/mem") or "not peeked", then the child's wait status.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define IMAGE 0x400000UL
#define SPAN (512 * 1024)

static char seen[SPAN];

static int holds_key(ssize_t n) {
    /* Built here, so that this program's own image, which the child has until its exec, holds no copy. */
    char key[32];
    snprintf(key, sizeof key, "%s-%s=%s", "EMBEDDED", "KEY", "sk_0123456789");
    return n > 0 && memmem(seen, (size_t) n, key, strlen(key)) != NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: exec_peek PROGRAM\n");
        return 2;
    }
    pid_t child = fork();
    if (child == 0) {
        execl(argv[1], argv[1], "1", (char *) NULL);
        _exit(127);
    }
    const char *how = NULL;
    int status = 0;
    while (how == NULL && waitpid(child, &status, WNOHANG) == 0) {
        struct iovec local = {seen, SPAN}, remote = {(void *) IMAGE, SPAN};
        if (holds_key(process_vm_readv(child, &local, 1, &remote, 1, 0))) {
            how = "process_vm_readv";
            break;
        }
        char mem[64];
        snprintf(mem, sizeof mem, "/proc/%d/mem", (int) child);
        int fd = open(mem, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ssize_t n = pread(fd, seen, SPAN, (off_t) IMAGE);
            close(fd);
            if (holds_key(n)) {
                how = "/proc/PID/mem";
            }
        }
    }
    if (how != NULL) {
        waitpid(child, &status, 0);
    }
    printf(how ? "peeked by %s\n" : "not peeked\n", how);
    printf("child %s %d\n", WIFSIGNALED(status) ? "killed by" : "exited", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    return 0;
}

/* exec_strings ROUNDS: a parent rewrites its child's argv once the child's exec went through
 * (red-team round 22): each round the child execs `/bin/echo harmless`; the parent waits until
 * the child's /proc/PID/stat shows the new program's arg_start, then writes "EVILARG!" over
 * "harmless" there, by process_vm_writev in even rounds and through /proc/CHILD/mem in odd ones
 * (up to 100 tries each, 100 us apart once refused), and reads what echo printed. Prints
 * "rewritten by process_vm_writev V, by /proc/PID/mem M, in R rounds; refused F" where F counts
 * the rounds whose every write was refused (EPERM or EACCES). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Field 48 of /proc/PID/stat (arg_start), or 0. */
static unsigned long arg_start(pid_t pid) {
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p) return 0;
    int field = 2;
    for (char *tok = strtok(p + 1, " "); tok; tok = strtok(NULL, " ")) {
        if (++field == 48) return strtoul(tok, NULL, 10);
    }
    return 0;
}

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

/* One write of "EVILARG!" at addr in pid: 1 written, 0 to try again, -1 refused. */
static int rewrite(pid_t pid, unsigned long addr, int by_mem) {
    if (!by_mem) {
        struct iovec local = {"EVILARG!", 8}, remote = {(void *)addr, 8};
        if (process_vm_writev(pid, &local, 1, &remote, 1, 0) == 8) return 1;
        return errno == EPERM ? -1 : 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", pid);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return errno == EACCES || errno == EPERM ? -1 : 0;
    ssize_t w = pwrite(fd, "EVILARG!", 8, (off_t)addr);
    close(fd);
    return w == 8 ? 1 : 0;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 20, by_vm = 0, by_mem = 0, refused = 0;
    unsigned long own = arg_start(getpid());
    for (int r = 0; r < rounds; r++) {
        int out[2];
        if (pipe(out) < 0) return 1;
        pid_t child = fork();
        if (child == 0) {
            close(out[0]);
            dup2(out[1], 1);
            char *av[] = {"echo", "harmless", NULL}, *ev[] = {"PATH=/usr/bin:/bin", NULL};
            execve("/bin/echo", av, ev);
            _exit(127);
        }
        close(out[1]);
        unsigned long a = 0;
        for (long until = now_ms() + 2000; now_ms() < until && ((a = arg_start(child)) == 0 || a == own);) {
        }
        int done = 0, tries = 0, no = 0;
        if (a != 0 && a != own) {
            for (; tries < 100 && done == 0; tries++) {
                done = rewrite(child, a + 5, r % 2); /* past "echo\0" */
                no += done == -1;
                if (done == -1) {
                    done = 0;
                    usleep(100); /* refused: the exec may not be decided yet (its shield), try again */
                }
            }
        }
        refused += tries > 0 && no == tries;
        char buf[256];
        ssize_t n = read(out[0], buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = 0;
        close(out[0]);
        waitpid(child, NULL, 0);
        if (strstr(buf, "EVILARG")) {
            if (r % 2) by_mem++;
            else by_vm++;
        }
    }
    printf("rewritten by process_vm_writev %d, by /proc/PID/mem %d, in %d rounds; refused %d\n", by_vm, by_mem,
           rounds, refused);
    return 0;
}

/*
 * exec_shield PROGRAM ROUNDS [PARENT]: a parent that tries to read a program it may not open or
 * run out of a child executing it (after the red team's steal.c). Each round forks a child that starts a
 * sibling thread making execv("/nonexistent") in a loop (each call fails with ENOENT), then
 * executes PROGRAM (exec_shield_kept.c, whose image lies at 0x400000); the parent reads the
 * child's memory there until it finds the program's marker or the child has ended, in every other
 * round by process_vm_readv, in the others through /proc/CHILD/mem opened afresh each time (its
 * memory as it is then). A child that ran PROGRAM is killed once read. With PARENT 1 the parent
 * has such a thread of its own too, so that its own process is in an exec call much of the time.
 * Prints "stolen by process_vm_readv N, by /proc/PID/mem M, in R rounds".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define IMAGE 0x400000UL
#define SPAN 0x3000

static char seen[SPAN];

static void *failing_execs(void *unused) {
    char *argv[] = {"/nonexistent", NULL};
    for (;;) {
        execv(argv[0], argv);
    }
    return unused;
}

static int holds_marker(ssize_t n) {
    /* Built here, so that this program's own image, which the child has until its exec, holds no copy. */
    char marker[32];
    snprintf(marker, sizeof marker, "%s-%s-%s", "KEPT", "IMAGE", "MARKER");
    return n > 0 && memmem(seen, (size_t) n, marker, strlen(marker)) != NULL;
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: exec_shield PROGRAM ROUNDS [PARENT]\n");
        return 2;
    }
    int rounds = atoi(argv[2]);
    if (argc == 4 && atoi(argv[3]) == 1) {
        pthread_t own;
        pthread_create(&own, NULL, failing_execs, NULL);
    }
    int by_readv = 0, by_mem = 0;
    volatile int *go = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    for (int i = 0; i < rounds; i++) {
        *go = 0;
        pid_t child = fork();
        if (child == 0) {
            pthread_t t;
            pthread_create(&t, NULL, failing_execs, NULL);
            *go = 1;
            usleep(2000);
            execl(argv[1], argv[1], (char *) NULL);
            _exit(127);
        }
        while (!*go) {
        }
        char mem[64];
        snprintf(mem, sizeof mem, "/proc/%d/mem", (int) child);
        int status, route = i & 1; /* each route in every other round */
        for (;;) {
            if (route == 0) {
                struct iovec local = {seen, SPAN}, remote = {(void *) IMAGE, SPAN};
                if (holds_marker(process_vm_readv(child, &local, 1, &remote, 1, 0))) {
                    by_readv++;
                    kill(child, SIGKILL);
                    waitpid(child, &status, 0);
                    break;
                }
            } else {
                int fd = open(mem, O_RDONLY | O_CLOEXEC);
                if (fd >= 0) {
                    ssize_t n = pread(fd, seen, SPAN, (off_t) IMAGE);
                    close(fd);
                    if (holds_marker(n)) {
                        by_mem++;
                        kill(child, SIGKILL);
                        waitpid(child, &status, 0);
                        break;
                    }
                }
            }
            if (waitpid(child, &status, WNOHANG) == child) {
                break;
            }
        }
    }
    printf("stolen by process_vm_readv %d, by /proc/PID/mem %d, in %d rounds\n", by_readv, by_mem, rounds);
    return 0;
}

// A thread execs the program's own static binary while the leader waits in open(FIFO, O_RDONLY);
// the new image's first act is the same open (same path pointer, same flags) on the same tid,
// since the exec took the leader's number (red-team report R4, texec.c and texec_drop.c).
// Build: gcc -O1 -static -no-pie -pthread. Usage: fifo_open_across_exec exec|drop ROUNDS DIR
// Per round a child makes the FIFO's leader wait on it and a thread exec "after" 200 ms later: the new image
// forks a writer (100 ms later it opens the FIFO for writing and writes "hi") and opens the FIFO
// for reading. exec: natively every round opens and reads "hi". drop (as root): the exec'ing thread
// first drops to uid 65534, and the FIFO is root's, mode 0600: natively the new image's open fails
// with EACCES at once. A new image still in its open after 4 s is killed and counted as hung.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* At the same address in both images (a static non-PIE binary), with the same bytes. */
static char fifo[512];
static int drop;

static void *exec_after(void *dir) {
    if (drop && (syscall(SYS_setresgid, 65534, 65534, 65534) || syscall(SYS_setresuid, 65534, 65534, 65534))) {
        perror("drop");
        _exit(9);
    }
    usleep(200000); // the leader waits in its open (seccheck's first one is slow: it starts cold)
    char *argv[] = {"after", "after", dir, NULL};
    execv("/proc/self/exe", argv);
    perror("execv");
    _exit(9);
}

/* The new image: 0 opened and read "hi", 1 EACCES, 2 another error. */
static int after(void) {
    alarm(4);
    pid_t w = fork();
    if (w == 0) {
        usleep(100000);
        int fd = open(fifo, O_WRONLY);
        if (fd >= 0 && write(fd, "hi", 2) == 2) {
            _exit(0);
        }
        _exit(3);
    }
    int fd = open(fifo, O_RDONLY);
    int e = errno;
    char b[8] = {0};
    int n = fd >= 0 ? (int)read(fd, b, 7) : -1;
    if (fd < 0) {
        kill(w, SIGKILL); // no reader came: it would wait for good
    }
    waitpid(w, NULL, 0);
    if (fd >= 0) {
        return n == 2 && !strcmp(b, "hi") ? 0 : 2;
    }
    return e == EACCES ? 1 : 2;
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "after")) {
        snprintf(fifo, sizeof fifo, "%s/fifo", argv[2]);
        return after();
    }
    if (argc != 4) {
        fprintf(stderr, "usage: %s exec|drop ROUNDS DIR\n", argv[0]);
        return 2;
    }
    drop = !strcmp(argv[1], "drop");
    int rounds = atoi(argv[2]), opened = 0, eacces = 0, other = 0, hung = 0;
    snprintf(fifo, sizeof fifo, "%s/fifo", argv[3]);
    for (int r = 0; r < rounds; r++) {
        unlink(fifo);
        if (mkfifo(fifo, drop ? 0600 : 0666) || chmod(fifo, drop ? 0600 : 0666)) {
            perror("mkfifo");
            return 1;
        }
        pid_t c = fork();
        if (c == 0) {
            pthread_t t;
            pthread_create(&t, NULL, exec_after, argv[3]);
            int fd = open(fifo, O_RDONLY);
            printf("the old image's open returned %d\n", fd);
            _exit(8);
        }
        int st;
        waitpid(c, &st, 0);
        if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM) {
            hung++;
        } else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            opened++;
        } else if (WIFEXITED(st) && WEXITSTATUS(st) == 1) {
            eacces++;
        } else {
            other++;
        }
    }
    unlink(fifo);
    printf("%s: %d rounds, opened %d, EACCES %d, other %d, hung %d\n", argv[1], rounds, opened, eacces, other, hung);
    return 0;
}

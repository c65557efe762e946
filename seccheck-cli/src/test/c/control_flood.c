/* control_flood.c SOCK MODE READY STOP: a supervised program that floods its run's control socket
   until the file STOP exists, and creates the file READY once the flood is on.
   MODE hold: two processes (the second a child that inherits the first's first 64 connections)
   each keep up to 500 non-blocking connections open; most send nothing, one in 16 sends garbage
   without a newline, one in 16 half a request, a byte at a time; answered ones are closed and
   replaced at once.
   MODE churn: two threads connect and close in a tight loop.
   Prints how many connects succeeded when it ends. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define HELD 500

static const char *sock_path, *ready_path, *stop_path;
static atomic_long connects;

static int stopped(void) { return access(stop_path, F_OK) == 0; }

static void ready(void) {
    int fd = open(ready_path, O_WRONLY | O_CREAT, 0644);
    if (fd >= 0) close(fd);
}

static int dial(void) {
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strncpy(a.sun_path, sock_path, sizeof a.sun_path - 1);
    if (s < 0) return -1;
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        close(s);
        return -1;
    }
    atomic_fetch_add(&connects, 1);
    return s;
}

/* Keeps up to HELD connections (starting with the n in fds), replacing those answered. */
static void hold(int *fds, int n) {
    static const char half[] = "{\"op\": \"session_list\"";
    int sent[HELD] = {0};
    while (!stopped()) {
        while (n < HELD) {
            int s = dial();
            if (s < 0) break;
            fds[n] = s;
            sent[n] = 0;
            if (connects % 16 == 0) send(s, "garbage", 7, MSG_DONTWAIT | MSG_NOSIGNAL);
            n++;
        }
        for (int i = 0; i < n;) {
            char b[4096];
            ssize_t r = recv(fds[i], b, sizeof b, MSG_DONTWAIT);
            if (r >= 0 || errno != EAGAIN) {
                close(fds[i]);
                fds[i] = fds[--n];
                sent[i] = sent[n];
                continue;
            }
            /* One in 16: half a request, a byte now and then. */
            if (fds[i] % 16 == 1 && sent[i] < (int)sizeof half - 1) {
                send(fds[i], half + sent[i], 1, MSG_DONTWAIT | MSG_NOSIGNAL);
                sent[i]++;
            }
            i++;
        }
        usleep(5000);
    }
}

static void *churn(void *arg) {
    (void)arg;
    while (!stopped()) {
        for (int i = 0; i < 256; i++) {
            int s = dial();
            if (s >= 0) close(s);
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: control_flood SOCK hold|churn READY STOP\n");
        return 2;
    }
    sock_path = argv[1];
    ready_path = argv[3];
    stop_path = argv[4];
    signal(SIGPIPE, SIG_IGN);
    if (strcmp(argv[2], "churn") == 0) {
        pthread_t t[2];
        for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, churn, NULL);
        while (atomic_load(&connects) < 1000 && !stopped()) usleep(1000);
        ready();
        for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    } else {
        static int fds[HELD];
        int n = 0;
        while (n < 64 && !stopped()) {
            int s = dial();
            if (s >= 0) fds[n++] = s;
            else usleep(1000);
        }
        pid_t child = fork();
        if (child == 0) {
            hold(fds, n); /* the inherited connections, and more of its own */
            _exit(0);
        }
        static int own[HELD];
        ready();
        hold(own, 0);
        waitpid(child, NULL, 0);
    }
    printf("control_flood: %ld connects\n", atomic_load(&connects));
    return 0;
}

/*
 * Races an exec's name: TRIES times, a child process starts a second thread that keeps rewriting
 * a name between HARMLESS and TARGET (both padded with leading slashes to one length), and calls
 * execve on that name with the arguments ARG. Whatever ran prints what it prints; a torn read of
 * the name (half rewritten) names nothing and fails. At the end it writes
 * "tries=T refused=R failed=F killed=K exited=E": execs that failed with EACCES, failed otherwise,
 * children killed by SIGKILL, and children that ran a program to its end.
 * Usage: exec_name_race HARMLESS TARGET ARG TRIES
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char name[512], harmless[512], target[512];
static volatile int flipping;

static void *flip(void *unused) {
    (void)unused;
    flipping = 1;
    for (;;) {
        memcpy(name, target, sizeof name);
        __asm__ volatile("" ::: "memory"); /* each store made: the next one would make this one dead */
        for (volatile int i = 0; i < 50; i++) {
        }
        memcpy(name, harmless, sizeof name);
        __asm__ volatile("" ::: "memory");
        for (volatile int i = 0; i < 50; i++) {
        }
    }
    return NULL;
}

/* Writes S into OUT padded with leading slashes to LEN bytes. */
static void padded(char *out, const char *s, size_t len) {
    size_t pad = len - strlen(s);
    memset(out, '/', pad);
    strcpy(out + pad, s);
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: exec_name_race HARMLESS TARGET ARG TRIES\n");
        return 2;
    }
    size_t len = strlen(argv[1]) > strlen(argv[2]) ? strlen(argv[1]) : strlen(argv[2]);
    if (len >= sizeof name) {
        fprintf(stderr, "exec_name_race: names too long\n");
        return 2;
    }
    padded(harmless, argv[1], len);
    padded(target, argv[2], len);
    long tries = atol(argv[4]), refused = 0, failed = 0, killed = 0, exited = 0;
    fflush(stdout);
    for (long i = 0; i < tries; i++) {
        pid_t p = fork();
        if (p < 0) {
            perror("fork");
            return 1;
        }
        if (p == 0) {
            memcpy(name, harmless, sizeof name);
            pthread_t t;
            if (pthread_create(&t, NULL, flip, NULL) != 0) {
                _exit(4);
            }
            while (!flipping) {
                /* the race needs the second thread running: on a fast machine execve copied the name
                 * before a new thread was first scheduled, every time */
            }
            char *av[] = {"x", argv[3], NULL};
            execve(name, av, environ);
            _exit(errno == EACCES ? 126 : 127);
        }
        int st;
        if (waitpid(p, &st, 0) != p) {
            perror("waitpid");
            return 1;
        }
        if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
            killed++;
        } else if (WIFEXITED(st) && WEXITSTATUS(st) == 126) {
            refused++;
        } else if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
            failed++;
        } else {
            exited++;
        }
    }
    printf("tries=%ld refused=%ld failed=%ld killed=%ld exited=%ld\n", tries, refused, failed, killed, exited);
    return 0;
}

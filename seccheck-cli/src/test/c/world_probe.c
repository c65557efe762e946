/* Prints what a program inherits from whoever started it: descriptors (and the number its first
 * open gets), environment, signal mask and dispositions, rlimits (soft and hard), coredump_filter,
 * umask, cwd, process group, session, controlling terminal. The transparency tests run it natively
 * and under seccheck run and compare the two outputs. With an argument N it prints on descriptor N
 * instead of stdout (for a caller that closed stdout). */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    /* Before anything else opens: a closed descriptor 0, 1 or 2 is the number it gets. */
    int first = open("/dev/null", O_RDONLY);
    if (first >= 0) close(first);
    if (argc > 1) {
        FILE *out = fdopen(atoi(argv[1]), "w");
        if (!out) return 2;
        stdout = out;
    }
    printf("first open -> %d\n", first);
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d)) continue;
        char link[300], target[PATH_MAX] = "";
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n > 0) target[n] = 0;
        printf("fd %s -> %s\n", e->d_name, target);
    }
    if (d) closedir(d);
    for (char **v = environ; *v; v++) printf("env %s\n", *v);
    sigset_t mask;
    sigprocmask(SIG_BLOCK, NULL, &mask);
    for (int s = 1; s < 65; s++) {
        struct sigaction sa;
        if (sigaction(s, NULL, &sa) != 0) continue;
        printf("sig %d blocked=%d %s\n", s, sigismember(&mask, s) == 1,
               sa.sa_handler == SIG_IGN ? "ignored" : sa.sa_handler == SIG_DFL ? "default" : "handled");
    }
    FILE *st = fopen("/proc/self/status", "r");
    char line[256];
    while (st && fgets(line, sizeof line, st)) {
        if (!strncmp(line, "SigBlk:", 7) || !strncmp(line, "SigIgn:", 7)) fputs(line, stdout);
    }
    if (st) fclose(st);
    for (int r = 0; r < RLIM_NLIMITS; r++) {
        struct rlimit l;
        getrlimit(r, &l);
        printf("rlimit %d %llu %llu\n", r, (unsigned long long) l.rlim_cur, (unsigned long long) l.rlim_max);
    }
    FILE *cf = fopen("/proc/self/coredump_filter", "r");
    if (cf && fgets(line, sizeof line, cf)) printf("coredump_filter %s", line);
    if (cf) fclose(cf);
    mode_t m = umask(0);
    printf("umask %04o\n", m);
    char cwd[PATH_MAX];
    printf("cwd %s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
    printf("pgrp %d sid %d\n", (int) getpgrp(), (int) getsid(0));
    char *tty = ttyname(0);
    printf("tty %s\n", tty ? tty : "none");
    return 0;
}

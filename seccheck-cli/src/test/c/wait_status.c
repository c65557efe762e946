/* Runs a command as a shell would and says how waitpid saw it end: a test that runs seccheck
 * through it learns whether seccheck exited (and with what code) or was killed by a signal, which
 * a Java Process cannot tell apart (it reports both as a number, 128+N for signal N).
 *
 * Usage: wait_status OUT CMD [ARG...]. Writes the command's pid to OUT.pid once it started, then
 * "exited N" or "signaled N" to OUT once it ended; each file appears whole (written, then renamed). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void put(const char *path, const char *word, int n) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL || fprintf(f, "%s %d\n", word, n) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
        perror(path);
        exit(2);
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: wait_status OUT CMD [ARG...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror(argv[2]);
        _exit(127);
    }
    char pidfile[4096];
    snprintf(pidfile, sizeof pidfile, "%s.pid", argv[1]);
    put(pidfile, "pid", pid);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            perror("waitpid");
            return 2;
        }
    }
    if (WIFSIGNALED(status)) {
        put(argv[1], "signaled", WTERMSIG(status));
    } else {
        put(argv[1], "exited", WEXITSTATUS(status));
    }
    return 0;
}

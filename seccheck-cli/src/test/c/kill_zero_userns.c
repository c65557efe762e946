/*
 * Root's kill(0) reaches a child of its group that lives in a user namespace of its own: the
 * kernel lets CAP_KILL over the caller's namespace reach every namespace below it. The child
 * unshares CLONE_NEWUSER, the parent maps it "0 100000 1", and the child becomes that
 * namespace's root (uid 100000 to everyone outside, none of the parent's uids). The parent then
 * ignores SIGTERM and sends kill(0, SIGTERM). Prints "child killed by SIGTERM" where the signal
 * reached the child, "child alive" where it did not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void write_file(pid_t pid, const char *name, const char *text) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", pid, name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, text, strlen(text)) < 0) {
        printf("%s: %s\n", name, strerror(errno));
    }
    if (fd >= 0) {
        close(fd);
    }
}

int main(void) {
    int ready[2], go[2];
    if (pipe(ready) || pipe(go)) {
        perror("pipe");
        return 1;
    }
    signal(SIGTERM, SIG_IGN);
    pid_t child = fork();
    if (child == 0) {
        signal(SIGTERM, SIG_DFL);
        if (unshare(CLONE_NEWUSER)) {
            printf("unshare: %s\n", strerror(errno));
            _exit(2);
        }
        char b;
        if (write(ready[1], "u", 1) != 1 || read(go[0], &b, 1) != 1) {
            _exit(3);
        }
        if (setresgid(0, 0, 0) || setresuid(0, 0, 0)) { /* now uid 100000 to everyone outside */
            printf("setresuid: %s\n", strerror(errno));
            _exit(3);
        }
        if (write(ready[1], "m", 1) != 1) {
            _exit(3);
        }
        pause();
        _exit(0);
    }
    char b;
    if (read(ready[0], &b, 1) != 1) {
        puts("child did not unshare");
        return 1;
    }
    write_file(child, "setgroups", "deny");
    write_file(child, "uid_map", "0 100000 1");
    write_file(child, "gid_map", "0 100000 1");
    if (write(go[1], "g", 1) != 1 || read(ready[0], &b, 1) != 1) {
        return 1;
    }
    int r = kill(0, SIGTERM);
    printf("kill(0) = %s\n", r == 0 ? "0" : strerror(errno));
    int status;
    pid_t w = 0;
    for (int i = 0; i < 100 && w == 0; i++) {
        struct timespec ten_ms = {0, 10 * 1000 * 1000};
        nanosleep(&ten_ms, NULL);
        w = waitpid(child, &status, WNOHANG);
    }
    if (w == child && WIFSIGNALED(status)) {
        printf("child killed by %s\n", WTERMSIG(status) == SIGTERM ? "SIGTERM" : "another signal");
    } else {
        puts("child alive");
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
    }
    return 0;
}

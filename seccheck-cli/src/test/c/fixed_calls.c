/*
 * fixed_calls: a fixed sequence of file, socket and process calls, the same on every run, for
 * comparing seccheck's strace-like lines and --summary with strace -f and strace -c -f.
 * Usage: fixed_calls FILE (an existing readable file).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        return 2;
    }
    char buf[16];
    for (int i = 0; i < 3; i++) {
        int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            read(fd, buf, sizeof buf);
            close(fd);
        }
    }
    open("/nonexistent/seccheck-fixed-calls", O_RDONLY);
    open(argv[1], O_WRONLY | O_APPEND);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int d = dup(s);
    close(d);
    close(s);
    close(1000);
    chdir("/nonexistent-dir");
    chdir("/");
    pid_t p = fork();
    if (p == 0) {
        int fd = openat(AT_FDCWD, argv[1], O_RDONLY);
        close(fd);
        _exit(3);
    }
    int st;
    waitpid(p, &st, 0);
    return WEXITSTATUS(st) == 3 ? 0 : 1;
}

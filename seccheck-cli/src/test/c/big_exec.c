/*
 * A point larger than a unix socket takes: a child execs /bin/true with argv[1] blocks of
 * 120,000 bytes of environment (its sentry/execve message is that large), then the parent opens
 * and prints the file argv[2]. Prints how the child ended, then what it read.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: big_exec BLOCKS FILE\n");
        return 2;
    }
    int blocks = atoi(argv[1]);
    pid_t child = fork();
    if (child == 0) {
        char **env = calloc(blocks + 1, sizeof *env);
        for (int i = 0; i < blocks; i++) {
            size_t len = 120000;
            env[i] = malloc(len + 16);
            int at = sprintf(env[i], "P%d=", i);
            memset(env[i] + at, 'a', len);
            env[i][at + len] = 0;
        }
        char *args[] = {"true", NULL};
        execve("/bin/true", args, env);
        _exit(100);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    int fd = open(argv[2], O_RDONLY);
    char buf[64] = {0};
    if (fd < 0 || read(fd, buf, sizeof buf - 1) < 0) {
        perror(argv[2]);
        return 1;
    }
    printf("read: %s", buf);
    return 0;
}

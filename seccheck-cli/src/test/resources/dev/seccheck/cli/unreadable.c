/* A hostile workload for FailClosedTest: each attack hides the value a deny rule matches on from
 * seccheck (an unreadable pointer, a path longer than PATH_MAX, a directory fd that does not
 * exist), in a child of its own so that a kill ends only that attack.
 * Prints "<attack> errno=N" or "<attack> ok" from the child, then "<attack> exit=N" or
 * "<attack> signal=N" from the parent. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *attack, long r) {
    if (r < 0) {
        printf("%s errno=%d\n", attack, errno);
    } else {
        printf("%s ok\n", attack);
    }
    fflush(stdout);
}

static void attack(const char *name) {
    if (strcmp(name, "efault") == 0) {
        report(name, openat(AT_FDCWD, (const char *) 8, O_RDONLY));
    } else if (strcmp(name, "toolong") == 0) {
        char *p = malloc(6000);
        memset(p, 'a', 5999);
        p[5999] = 0;
        memcpy(p + 5995, ".key", 4);
        report(name, openat(AT_FDCWD, p, O_RDONLY));
    } else if (strcmp(name, "badfd") == 0) {
        report(name, openat(977, "secret.key", O_RDONLY));
    } else if (strcmp(name, "connect") == 0) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        report(name, connect(s, (const struct sockaddr *) 8, sizeof(struct sockaddr_in)));
    }
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            attack(argv[i]);
            _exit(0);
        }
        int status;
        waitpid(pid, &status, 0);
        if (WIFSIGNALED(status)) {
            printf("%s signal=%d\n", argv[i], WTERMSIG(status));
        } else {
            printf("%s exit=%d\n", argv[i], WEXITSTATUS(status));
        }
        fflush(stdout);
    }
    return 0;
}

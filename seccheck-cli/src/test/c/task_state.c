/*
 * task_state: changes what seccheck remembers of a task behind its back, then acts.
 *
 *   share PUB PRIV   chdir(PUB), a failed exec of ./no-such-tool (its points read the cwd), then
 *                    a clone(CLONE_FS) child chdirs to PRIV for its parent, which runs ./tool
 *   rename BASE      chdir(BASE/d1), a failed exec, BASE/d1 renamed to BASE/d2 and a new BASE/d1
 *                    made, then ./tool: the one moved to BASE/d2
 *   reparent         becomes a subreaper (A), forks B, which forks C and exits; C, now A's
 *                    child, prints "A=... C=... ppid=..." and runs /bin/true
 *   prctl FILE       renames itself "innocent" with prctl(PR_SET_NAME), then opens FILE
 *   comm FILE        the same by a write to /proc/self/comm
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char stack[65536];

static int move_parent(void *dir) {
    return chdir(dir) == 0 ? 0 : 1;
}

static int run_tool(void) {
    execl("./tool", "tool", "PRIV TOOL RAN", (char *)NULL);
    printf("exec: %s\n", strerror(errno));
    return 0;
}

static int share(const char *pub, char *priv) {
    if (chdir(pub) != 0) {
        perror("chdir");
        return 1;
    }
    execl("./no-such-tool", "x", (char *)NULL);
    pid_t child = clone(move_parent, stack + sizeof stack, CLONE_FS | SIGCHLD, priv);
    int status;
    if (child < 0 || waitpid(child, &status, 0) != child || status != 0) {
        fprintf(stderr, "clone(CLONE_FS) child failed\n");
        return 1;
    }
    return run_tool();
}

static int renamed(const char *base) {
    char d1[4096], d2[4096];
    snprintf(d1, sizeof d1, "%s/d1", base);
    snprintf(d2, sizeof d2, "%s/d2", base);
    if (chdir(d1) != 0) {
        perror("chdir");
        return 1;
    }
    execl("./no-such-tool", "x", (char *)NULL);
    if (rename(d1, d2) != 0 || mkdir(d1, 0755) != 0) {
        perror("rename");
        return 1;
    }
    return run_tool();
}

static int reparent(void) {
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    pid_t a = getpid();
    pid_t b = fork();
    if (b == 0) {
        pid_t b_self = getpid();
        if (fork() == 0) {
            while (getppid() == b_self) {
                usleep(1000);
            }
            usleep(200000); /* B's exit reaches seccheck before C's exec */
            printf("A=%d C=%d ppid=%d\n", a, getpid(), getppid());
            fflush(stdout);
            execl("/bin/true", "true", (char *)NULL);
            _exit(1);
        }
        _exit(0);
    }
    while (wait(NULL) > 0) {
    }
    return 0;
}

static int rename_self(int by_prctl, const char *file) {
    if (by_prctl) {
        prctl(PR_SET_NAME, "innocent");
    } else {
        int fd = open("/proc/self/comm", O_WRONLY);
        if (fd < 0 || write(fd, "innocent", 8) != 8) {
            perror("/proc/self/comm");
            return 1;
        }
        close(fd);
    }
    char name[32] = {0};
    prctl(PR_GET_NAME, name);
    printf("name %s\n", name);
    int fd = open(file, O_RDONLY);
    printf("open %s\n", fd >= 0 ? "ok" : strerror(errno));
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 4 && strcmp(argv[1], "share") == 0) {
        return share(argv[2], argv[3]);
    }
    if (argc >= 3 && strcmp(argv[1], "rename") == 0) {
        return renamed(argv[2]);
    }
    if (argc >= 2 && strcmp(argv[1], "reparent") == 0) {
        return reparent();
    }
    if (argc >= 3 && (strcmp(argv[1], "prctl") == 0 || strcmp(argv[1], "comm") == 0)) {
        return rename_self(strcmp(argv[1], "prctl") == 0, argv[2]);
    }
    fprintf(stderr, "usage: task_state share PUB PRIV | rename BASE | reparent | prctl FILE | comm FILE\n");
    return 2;
}

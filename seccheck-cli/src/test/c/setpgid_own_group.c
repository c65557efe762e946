// setpgid into the process group the caller is already in, and the kernel's answers around it.
//
// Usage: setpgid_own_group
//   Forks a worker (so that the caller is no session leader: run under `setsid`, the program
//   itself is one) and, in the worker, with g its process group (getpgrp()), prints one line each:
//     self       setpgid(0, g): 0, a no-op
//     spawn      posix_spawn with POSIX_SPAWN_SETPGROUP and g: 0, and the child's group is g
//     thread     setpgid(a thread of its own that is no leader, g): EINVAL
//     child      setpgid(a child still in g that has not exec'd, g): 0, the child still in g
//     exec       setpgid(a child in g that has exec'd, g): EACCES
//     session    setpgid(a child that made a session of its own, g): EPERM
//     parent     setpgid(its parent, in g but not its child, g): ESRCH
//     left-child setpgid(a child it moved to a group of the child's own, g): natively 0
//     rejoin     setpgid(0, 0) and then setpgid(0, g): natively 0 and 0
//   Each answer is 0 or the errno's name. The last two move a process back into g, which a
//   supervisor sharing g refuses (EPERM).
//   Run as `setpgid_own_group pgrp G`: exits 0 if its process group is G, else 1.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *answer(int r) {
    static char buf[32];
    if (r == 0) {
        return "0";
    }
    const char *name = strerrorname_np(errno);
    snprintf(buf, sizeof buf, "%s", name ? name : "errno?");
    return buf;
}

static const char *self;
static pid_t group;

/** A child blocked on a pipe until the returned fd is closed; it exits then. */
static pid_t waitingChild(int *release) {
    int p[2];
    if (pipe(p) != 0) {
        perror("pipe");
        exit(1);
    }
    pid_t child = fork();
    if (child == 0) {
        close(p[1]);
        char c;
        while (read(p[0], &c, 1) > 0) {
        }
        _exit(0);
    }
    close(p[0]);
    *release = p[1];
    return child;
}

static void reap(pid_t child, int release) {
    if (release >= 0) {
        close(release);
    } else {
        kill(child, SIGKILL);
    }
    waitpid(child, NULL, 0);
}

static pid_t threadId;
static int threadGo[2];

static void *thread(void *arg) {
    threadId = gettid();
    char c = 0;
    if (write(threadGo[1], &c, 1) != 1) {
        _exit(1);
    }
    pause();
    return arg;
}

static int worker(void) {
    printf("self %s\n", answer(setpgid(0, group)));

    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, group);
    char g[16];
    snprintf(g, sizeof g, "%d", group);
    char *argv[] = {(char *) self, "pgrp", g, NULL};
    pid_t spawned;
    int e = posix_spawn(&spawned, self, NULL, &attr, argv, environ);
    if (e == 0) {
        int status;
        waitpid(spawned, &status, 0);
        printf("spawn 0 child %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "in the group" : "elsewhere");
    } else {
        errno = e;
        printf("spawn %s\n", answer(-1));
    }

    pthread_t t;
    if (pipe(threadGo) != 0 || pthread_create(&t, NULL, thread, NULL) != 0) {
        perror("thread");
        return 1;
    }
    char c;
    if (read(threadGo[0], &c, 1) != 1) {
        return 1;
    }
    printf("thread %s\n", answer(setpgid(threadId, group)));

    int release;
    pid_t child = waitingChild(&release);
    int r = setpgid(child, group);
    printf("child %s %s\n", answer(r), getpgid(child) == group ? "still in the group" : "moved out");
    reap(child, release);

    int exec[2];
    if (pipe2(exec, O_CLOEXEC) != 0) {
        perror("pipe2");
        return 1;
    }
    int input[2];
    if (pipe(input) != 0) {
        return 1;
    }
    child = fork();
    if (child == 0) {
        // cat, reading a pipe: it ends by itself once the pipe is closed (a SIGKILL could meet
        // a supervisor still deciding on its exec, which says so).
        dup2(input[0], 0);
        close(input[0]);
        close(input[1]);
        execl("/bin/cat", "cat", (char *) NULL);
        _exit(127);
    }
    close(input[0]);
    close(exec[1]);
    while (read(exec[0], &c, 1) > 0) {
    }
    close(exec[0]); // at EOF the child has exec'd: its copy of the write end closed with it
    printf("exec %s\n", answer(setpgid(child, group)));
    reap(child, input[1]);

    int ready[2];
    if (pipe(ready) != 0) {
        return 1;
    }
    child = fork();
    if (child == 0) {
        close(ready[0]);
        setsid();
        if (write(ready[1], "s", 1) != 1) {
            _exit(1);
        }
        pause();
        _exit(0);
    }
    close(ready[1]);
    if (read(ready[0], &c, 1) != 1) {
        return 1;
    }
    close(ready[0]);
    printf("session %s\n", answer(setpgid(child, group)));
    reap(child, -1);

    printf("parent %s\n", answer(setpgid(getppid(), group)));

    child = waitingChild(&release);
    if (setpgid(child, child) != 0) {
        perror("setpgid(child, child)");
        return 1;
    }
    r = setpgid(child, group);
    printf("left-child %s\n", answer(r));
    reap(child, release);

    r = setpgid(0, 0);
    printf("rejoin %s", answer(r));
    printf(" %s\n", answer(setpgid(0, group)));
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "pgrp") == 0) {
        return getpgrp() == atoi(argv[2]) ? 0 : 1;
    }
    self = argv[0];
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t w = fork();
    if (w < 0) {
        perror("fork");
        return 1;
    }
    if (w == 0) {
        group = getpgrp();
        fflush(stdout);
        _exit(worker());
    }
    int status;
    waitpid(w, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

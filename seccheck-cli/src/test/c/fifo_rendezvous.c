/*
 * A FIFO rendezvous at the task limit (ThreadLimitTest). Usage: fifo_rendezvous DIR MAX
 * Forks until the kernel refuses a task (or MAX children); child i opens DIR/fI for reading, which
 * waits for a writer, and reads "ok" from it. The parent then opens /dev/null 20 times, child 0's
 * FIFO for writing without O_NONBLOCK (its reader waits, so natively at once; ended with EINTR
 * after 10 s), each other FIFO's write end with O_NONBLOCK (ENXIO when no reader waits), writes
 * "ok" to each and closes it, and waits for the children. Natively every open completes at once
 * and every child reads "ok"; a child still waiting 15 s later is killed and "HUNG" printed.
 * Child 0 is given a second alone to reach its open: at the limit, children that come later find
 * every thread of a supervisor's taken, and the blocking writer open is made for child 0's reader.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t kids[4096];
static int n;

static void on_late(int sig) {
    (void) sig;
}

static void on_alarm(int sig) {
    (void) sig;
    static const char m[] = "HUNG\n";
    write(1, m, sizeof m - 1);
    for (int i = 0; i < n; i++) {
        kill(kids[i], SIGKILL);
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: fifo_rendezvous DIR MAX\n");
        return 2;
    }
    const char *dir = argv[1];
    int max = atoi(argv[2]);
    if (max > 4096) {
        max = 4096;
    }
    char p[4096];
    for (int i = 0; i < max; i++) {
        snprintf(p, sizeof p, "%s/f%d", dir, i);
        if (mkfifo(p, 0600) != 0) {
            perror("mkfifo");
            return 2;
        }
    }
    int forkErr = 0;
    for (; n < max; n++) {
        pid_t k = fork();
        if (k < 0) {
            forkErr = errno;
            break;
        }
        if (k == 0) {
            snprintf(p, sizeof p, "%s/f%d", dir, n);
            int fd = open(p, O_RDONLY);
            if (fd < 0) {
                _exit(fd < 0 && errno == EAGAIN ? 11 : 12);
            }
            char b[4] = {0};
            read(fd, b, 3);
            _exit(strcmp(b, "ok") ? 3 : 0);
        }
        kids[n] = k;
        if (n == 0) {
            sleep(1); /* child 0 waits in its open before the others are forked */
        }
    }
    printf("forked until %s\n", forkErr == EAGAIN ? "EAGAIN" : forkErr ? strerror(forkErr) : "the maximum");
    fflush(stdout);
    sleep(1); /* the children reach their opens */
    int nullFailed = 0;
    for (int i = 0; i < 20; i++) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd < 0) {
            nullFailed++;
        } else {
            close(fd);
        }
    }
    printf("/dev/null opens failed: %d\n", nullFailed);
    int wok = 0, wenxio = 0, wother = 0;
    if (n > 0) {
        struct sigaction late = {.sa_handler = on_late}; /* no SA_RESTART: a waiting open ends with EINTR */
        sigaction(SIGALRM, &late, NULL);
        alarm(10);
        snprintf(p, sizeof p, "%s/f0", dir);
        int fd = open(p, O_WRONLY);
        alarm(0);
        printf("blocking writer open: %s\n", fd >= 0 ? "ok" : strerror(errno));
        if (fd >= 0) {
            write(fd, "ok", 2);
            close(fd);
            wok++;
        } else {
            wother++;
        }
    }
    for (int i = 1; i < n; i++) {
        snprintf(p, sizeof p, "%s/f%d", dir, i);
        int fd = open(p, O_WRONLY | O_NONBLOCK);
        if (fd < 0) {
            if (errno == ENXIO) {
                wenxio++;
            } else {
                wother++;
            }
            continue;
        }
        write(fd, "ok", 2);
        close(fd);
        wok++;
    }
    fflush(stdout);
    signal(SIGALRM, on_alarm);
    alarm(15);
    int good = 0, refused = 0, other = 0;
    for (int i = 0; i < n; i++) {
        int st;
        while (waitpid(kids[i], &st, 0) < 0 && errno == EINTR) {
        }
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            good++;
        } else if (WIFEXITED(st) && WEXITSTATUS(st) == 11) {
            refused++;
        } else {
            other++;
        }
    }
    alarm(0);
    printf("children: %d\n", n);
    printf("writer opens: ok %d, ENXIO %d, other %d\n", wok, wenxio, wother);
    printf("readers: ok %d, EAGAIN %d, other %d\n", good, refused, other);
    return 0;
}

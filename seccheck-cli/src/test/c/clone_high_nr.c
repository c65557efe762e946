/*
 * clone_high_nr open PATH | clone_high_nr exec PROGRAM ROUNDS: threads made by a clone whose
 * syscall number has its upper 32 bits set (0x1_00000038). x86-64's entry and seccomp take the
 * low 32 bits only, so this is an ordinary clone making an ordinary thread (CLONE_THREAD).
 *
 * open: the thread prints its tid and pid, opens PATH and prints the result; the main thread
 * waits for it, then prints "survived".
 * exec: each round forks a child whose thread so made executes PROGRAM (exec_shield_kept.c, its
 * image at 0x400000) while the parent reads the child's memory there through /proc/CHILD/mem,
 * opened afresh each time, until it finds the program's marker or the child has ended. Prints
 * "stolen N of R".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define HIGH_CLONE ((1UL << 32) | SYS_clone)
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM \
        | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)
#define IMAGE 0x400000UL
#define SPAN 0x3000

/* A raw clone numbered nr; the new thread runs fn(arg) on stack_top, then exits. */
static long raw_clone(unsigned long nr, unsigned long flags, void *stack_top, int *ctid, void (*fn)(void *),
        void *arg) {
    long ret;
    register long r10 __asm__("r10") = (long) ctid;
    register long r8 __asm__("r8") = 0;
    void **sp = stack_top;
    *--sp = arg;
    *--sp = (void *) fn;
    __asm__ volatile(
            "syscall\n\t"
            "test %%rax, %%rax\n\t"
            "jnz 1f\n\t"
            "xor %%ebp, %%ebp\n\t"
            "pop %%rax\n\t"
            "pop %%rdi\n\t"
            "call *%%rax\n\t"
            "mov $60, %%eax\n\t"
            "xor %%edi, %%edi\n\t"
            "syscall\n\t"
            "hlt\n"
            "1:\n"
            : "=a"(ret)
            : "a"(nr), "D"(flags), "S"(sp), "d"(0L), "r"(r10), "r"(r8)
            : "rcx", "r11", "memory");
    return ret;
}

static volatile int thread_word;
static const char *target;

static void opener(void *unused) {
    char b[256];
    int n = snprintf(b, sizeof b, "thread %ld of process %d\n", syscall(SYS_gettid), getpid());
    write(1, b, n);
    int fd = open(target, O_RDONLY);
    n = snprintf(b, sizeof b, "thread opened: %s\n", fd >= 0 ? "yes" : "no");
    write(1, b, n);
    (void) unused;
}

static void executor(void *unused) {
    char *argv[] = {(char *) target, NULL};
    syscall(SYS_execve, target, argv, NULL);
    syscall(SYS_exit, 99);
    (void) unused;
}

/* Starts a thread by the high-numbered clone; 0 or -1. */
static int start(void (*fn)(void *)) {
    size_t size = 1 << 20;
    char *stack = malloc(size);
    thread_word = 1;
    return raw_clone(HIGH_CLONE, THREAD_FLAGS, stack + size, (int *) &thread_word, fn, NULL) < 0 ? -1 : 0;
}

static int stolen_from(pid_t child) {
    char path[64], seen[SPAN], marker[32];
    snprintf(path, sizeof path, "/proc/%d/mem", child);
    snprintf(marker, sizeof marker, "%s-%s-%s", "KEPT", "IMAGE", "MARKER"); /* no copy in this image */
    for (;;) {
        int fd = open(path, O_RDONLY);
        ssize_t n = fd < 0 ? -1 : pread(fd, seen, sizeof seen, IMAGE);
        if (fd >= 0) {
            close(fd);
        }
        if (n > 0 && memmem(seen, (size_t) n, marker, strlen(marker)) != NULL) {
            return 1;
        }
        if (waitpid(child, NULL, WNOHANG) == child) {
            return 0;
        }
    }
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "open") == 0) {
        target = argv[2];
        if (start(opener) < 0) {
            perror("clone");
            return 1;
        }
        while (thread_word != 0) {
            syscall(SYS_futex, &thread_word, FUTEX_WAIT, 1, NULL, NULL, 0);
        }
        printf("survived\n");
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "exec") == 0) {
        target = argv[2];
        int rounds = atoi(argv[3]), stolen = 0;
        for (int i = 0; i < rounds; i++) {
            pid_t child = fork();
            if (child == 0) {
                if (start(executor) < 0) {
                    _exit(3);
                }
                for (;;) {
                    pause();
                }
            }
            int got = stolen_from(child);
            stolen += got;
            if (got) {
                kill(child, SIGKILL);
                waitpid(child, NULL, 0);
            }
        }
        printf("stolen %d of %d\n", stolen, rounds);
        return 0;
    }
    fprintf(stderr, "usage: clone_high_nr open PATH | exec PROGRAM ROUNDS\n");
    return 2;
}

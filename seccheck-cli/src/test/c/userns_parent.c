/*
 * userns_parent: a child that sandboxed itself in a user namespace of its own (as a browser's
 * content process, bubblewrap or unshare -U do) reaches for its parent through /proc/PPID
 * (red-team report R1 #2, /tmp/rt-selfdef/nsescape.c). Natively the kernel refuses every such
 * open: the parent is not in the child's user namespace, and the child holds no CAP_SYS_PTRACE
 * in the parent's (security/commoncap.c, cap_ptrace_access_check). Each line is one attempt and
 * its answer (the errno's name, or what was reached), so that a native run and one under
 * seccheck compare line for line. The positive controls run in the same shapes: a child that did
 * not unshare reads its parent's environment, the unshared child reads its own, and a grandchild
 * in the child's namespace reads the child's.
 *
 *   userns_parent    (with USERNS_MARK=marked in the environment)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile char flag[32] = "parent intact";

/** Prints whether /proc/PID/environ of {@code pid} could be opened and holds the marker. */
static void environ_of(const char *who, const char *pid) {
    char p[64];
    snprintf(p, sizeof p, "/proc/%s/environ", pid);
    int fd = open(p, O_RDONLY);
    if (fd < 0) {
        printf("%s environ = %s\n", who, strerrorname_np(errno));
        return;
    }
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) {
        printf("%s environ: read = %s\n", who, strerrorname_np(errno));
        return;
    }
    buf[n] = 0;
    int found = 0;
    for (ssize_t i = 0; i < n; i += strlen(buf + i) + 1) {
        found |= strcmp(buf + i, "USERNS_MARK=marked") == 0;
    }
    printf("%s environ = %s\n", who, found ? "the marker" : "no marker");
}

/** Prints the answer to an open of {@code name} below /proc/{@code pid}/ with {@code flags}. */
static void open_of(const char *who, pid_t pid, const char *name, int flags) {
    char p[64];
    char entry[32];
    snprintf(entry, sizeof entry, name, pid);
    snprintf(p, sizeof p, "/proc/%d/%s", pid, entry);
    int fd = open(p, flags);
    printf("%s %s = %s\n", who, strchr(name, '%') ? "thread's maps" : name, fd < 0 ? strerrorname_np(errno) : "opened");
    if (fd >= 0) {
        close(fd);
    }
}

/** The child that unshared: each way into its parent, then the controls within its namespace. */
static void unshared(pid_t parent) {
    if (unshare(CLONE_NEWUSER) < 0) {
        printf("unshare = %s\n", strerrorname_np(errno));
        return;
    }
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/mem", parent);
    int fd = open(p, O_RDWR);
    if (fd < 0) {
        printf("unshared child: mem = %s\n", strerrorname_np(errno));
    } else {
        const char msg[] = "INJECTED by sandboxed child";
        long w = pwrite(fd, msg, sizeof msg, (off_t)(unsigned long)flag);
        printf("unshared child: mem = opened, pwrite %ld\n", w);
        close(fd);
    }
    int path = open(p, O_PATH);
    if (path < 0) {
        printf("unshared child: mem O_PATH = %s\n", strerrorname_np(errno));
    } else {
        char again[64];
        snprintf(again, sizeof again, "/proc/self/fd/%d", path);
        fd = open(again, O_RDWR);
        printf("unshared child: mem O_PATH, then reopened = %s\n", fd < 0 ? strerrorname_np(errno) : "opened");
        if (fd >= 0) {
            close(fd);
        }
        close(path);
    }
    char pid[16];
    snprintf(pid, sizeof pid, "%d", parent);
    environ_of("unshared child: parent's", pid);
    open_of("unshared child: parent's", parent, "auxv", O_RDONLY);
    open_of("unshared child: parent's", parent, "maps", O_RDONLY);
    open_of("unshared child: parent's", parent, "cwd/.", O_RDONLY | O_DIRECTORY);
    open_of("unshared child: parent's", parent, "root/.", O_RDONLY | O_DIRECTORY);
    open_of("unshared child: parent's", parent, "fd/1", O_WRONLY);
    open_of("unshared child: parent's", parent, "ns/user", O_RDONLY);
    open_of("unshared child: parent's", parent, "fdinfo", O_RDONLY | O_DIRECTORY);
    open_of("unshared child: parent's", parent, "fdinfo/1", O_RDONLY);
    open_of("unshared child: parent's", parent, "task/%d/maps", O_RDONLY);
    open_of("unshared child: parent's", parent, "stat", O_RDONLY);
    environ_of("unshared child: own", "self");
    fflush(stdout);
    pid_t g = fork();
    if (g == 0) {
        char child[16];
        snprintf(child, sizeof child, "%d", getppid());
        environ_of("grandchild in the namespace: child's", child);
        fflush(stdout);
        _exit(0);
    }
    waitpid(g, NULL, 0);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) {
        unshared(parent);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    printf("parent: flag = \"%s\"\n", (char *)flag);
    c = fork();
    if (c == 0) {
        char pid[16];
        snprintf(pid, sizeof pid, "%d", parent);
        environ_of("child in the same namespace: parent's", pid);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    return 0;
}

/*
 * userns_mapped_self: a program in a user namespace whose root is another host uid (a rootless
 * container: "0 HOSTUID 1", written from the parent as newuidmap does) reads its own memory
 * files (red-team report R5 F3, /tmp/rt-diff/repro-maps.sh). The kernel lets a task into its own
 * thread group's /proc/PID/maps, environ, ... before any check of credentials or namespaces
 * (ptrace_may_access's same_thread_group), and any task of the same ids and namespace into a
 * dumpable one's; glibc's pthread_getattr_np on the main thread reads /proc/self/maps. Each line
 * is one attempt and its answer, so that a native run and one under seccheck compare line for
 * line: first right after setuid(0) in the namespace (the process is not dumpable then), then
 * after it executed itself again (dumpable).
 *
 *   userns_mapped_self HOSTUID HOSTGID
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/** Prints the answer to an open of {@code path}, and whether a read of it gave bytes. */
static void open_of(const char *stage, const char *who, const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        printf("%s: %s = %s\n", stage, who, strerrorname_np(errno));
        return;
    }
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf);
    printf("%s: %s = %s\n", stage, who, n > 0 ? "read" : n == 0 ? "empty" : strerrorname_np(errno));
    close(fd);
}

static char process_maps[64];
static const char *thread_stage;

static void *other_thread(void *unused) {
    (void)unused;
    open_of(thread_stage, "a thread: its process's maps", process_maps);
    return NULL;
}

/** Every attempt of one stage, as the process is now. */
static void attempts(const char *stage) {
    open_of(stage, "own maps", "/proc/self/maps");
    open_of(stage, "own environ", "/proc/self/environ");
    open_of(stage, "own thread's maps", "/proc/thread-self/maps");
    pthread_attr_t a;
    int r = pthread_getattr_np(pthread_self(), &a);
    size_t size = 0;
    if (r == 0) {
        void *stack;
        pthread_attr_getstack(&a, &stack, &size);
        pthread_attr_destroy(&a);
    }
    printf("%s: pthread_getattr_np = %s%s\n", stage, r == 0 ? "0" : strerrorname_np(r),
           r == 0 && size == 0 ? ", no stack" : "");
    snprintf(process_maps, sizeof process_maps, "/proc/%d/maps", getpid());
    thread_stage = stage;
    pthread_t t;
    if (pthread_create(&t, NULL, other_thread, NULL) == 0) {
        pthread_join(t, NULL);
    }
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        open_of(stage, "a child: its parent's maps", process_maps);
        fflush(stdout);
        _exit(0);
    }
    waitpid(child, NULL, 0);
}

static void write_map(pid_t pid, const char *file, const char *map) {
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/%s", pid, file);
    int fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, map, strlen(map)) < 0) {
        printf("%s = %s\n", file, strerrorname_np(errno));
        fflush(stdout);
        exit(9);
    }
    close(fd);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 2 && strcmp(argv[1], "inside") == 0) {
        attempts("after exec");
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: userns_mapped_self HOSTUID HOSTGID\n");
        return 2;
    }
    int ready[2], mapped[2];
    if (pipe(ready) != 0 || pipe(mapped) != 0) {
        return 3;
    }
    pid_t child = fork();
    if (child == 0) {
        if (unshare(CLONE_NEWUSER) != 0) {
            printf("unshare = %s\n", strerrorname_np(errno));
            _exit(0);
        }
        char x = 0;
        if (write(ready[1], &x, 1) != 1 || read(mapped[0], &x, 1) != 1) {
            _exit(4);
        }
        if (setgid(0) != 0 || setuid(0) != 0) {
            printf("setuid = %s\n", strerrorname_np(errno));
            _exit(5);
        }
        attempts("in the namespace");
        execl("/proc/self/exe", argv[0], "inside", (char *)NULL);
        printf("exec = %s\n", strerrorname_np(errno));
        _exit(6);
    }
    char x = 0;
    if (read(ready[0], &x, 1) != 1) {
        waitpid(child, NULL, 0);
        return 0; /* the child said why */
    }
    char map[64];
    snprintf(map, sizeof map, "0 %s 1\n", argv[1]);
    write_map(child, "uid_map", map);
    write_map(child, "setgroups", "deny");
    snprintf(map, sizeof map, "0 %s 1\n", argv[2]);
    write_map(child, "gid_map", map);
    if (write(mapped[1], &x, 1) != 1) {
        return 7;
    }
    int st;
    waitpid(child, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

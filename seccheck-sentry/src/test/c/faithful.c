/* faithful: the fixed workload of GvisorFieldsTest (issue 11). Run as `faithful SCRATCH` (an empty,
 * writable directory); it makes, in this order, each operation whose messages the test compares
 * field by field with what gVisor's sentry would send:
 *   a glibc fork (clone) whose child exits 3, a vfork (the vfork syscall) whose child exits 4,
 *   a posix_spawn of /bin/true (clone3 or clone with CLONE_VM|CLONE_VFORK), a pthread (clone3),
 *   a `#!` script run by execve with its own argv and envp (exits 5), failing syscalls (an openat
 *   of a missing file, a socket of an unknown family, a listen on a file, an execve of a missing
 *   file), an execveat of "true" through a descriptor of /bin, an fexecve of a memfd holding a
 *   copy of /bin/true (execveat with AT_EMPTY_PATH), a listen on a socket bound to 127.0.0.1,
 *   a pipeline of three children (writer | piped | reader) whose middle one executes /bin/true
 *   while the two others wait, and executable mmaps: anonymous private, anonymous shared, of a
 *   file (/bin/true), of its own executable, and one that is not executable.
 * It writes what the test cannot know beforehand to SCRATCH/ids, one "name value" a line: the
 * pids and tids it made, the descriptors it passed, the port the listener got, the pipes' inodes,
 * the descriptors it mapped. Exits 0 when every
 * step went as planned, 1 (saying which) otherwise. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static FILE *ids;

static void fail(const char *what) {
    fprintf(stderr, "faithful: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Waits for pid and checks it exited with status want. */
static void reap(pid_t pid, int want, const char *what) {
    int st;
    if (waitpid(pid, &st, 0) != pid) fail(what);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != want) {
        fprintf(stderr, "faithful: %s: wait status 0x%x, wanted exit %d\n", what, st, want);
        exit(1);
    }
    fprintf(ids, "%s %d\n", what, pid);
}

/* Forks a child that makes `end` its descriptor `fd`, says so on `ready`, and holds it until the
 * parent closes go[1]; returns the child's pid. */
static pid_t pipe_end(int end, int fd, int ready, int go[2]) {
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        dup2(end, fd);
        close(go[1]);
        if (write(ready, "x", 1) != 1) _exit(100);
        while (read(go[0], &c, 1) > 0) {}
        _exit(0);
    }
    return pid;
}

static void *thread_main(void *arg) {
    *(pid_t *)arg = gettid();
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2 || chdir(argv[1]) != 0) {
        fprintf(stderr, "usage: faithful SCRATCH_DIR\n");
        return 2;
    }
    ids = fopen("ids", "w");
    if (!ids) fail("ids");
    fprintf(ids, "main %d\n", getpid());

    pid_t pid = fork();
    if (pid == 0) _exit(3);
    reap(pid, 3, "fork");

    pid = vfork();
    if (pid == 0) _exit(4);
    reap(pid, 4, "vfork");

    char *true_argv[] = {"true", "spawned", NULL};
    char *spawn_env[] = {"VIA=spawn", NULL};
    if ((errno = posix_spawn(&pid, "/bin/true", NULL, NULL, true_argv, spawn_env)) != 0) fail("posix_spawn");
    reap(pid, 0, "spawn");

    pthread_t th;
    pid_t tid = 0;
    if ((errno = pthread_create(&th, NULL, thread_main, &tid)) != 0) fail("pthread_create");
    pthread_join(th, NULL);
    fprintf(ids, "thread %d\n", tid);

    FILE *script = fopen("hello.sh", "w");
    if (!script) fail("hello.sh");
    fputs("#!/bin/sh\nexit 5\n", script);
    fclose(script);
    chmod("hello.sh", 0755);
    pid = fork();
    if (pid == 0) {
        char *sargv[] = {"./hello.sh", "one", NULL};
        char *senv[] = {"GREETING=hi", NULL};
        execve("./hello.sh", sargv, senv);
        _exit(100);
    }
    reap(pid, 5, "script");

    /* Failing calls: the kernel's errno, gVisor's result 0. */
    if (openat(AT_FDCWD, "missing", O_RDONLY) != -1 || errno != ENOENT) fail("openat of a missing file");
    if (socket(12345, SOCK_STREAM, 0) != -1 || errno != EAFNOSUPPORT) fail("socket of an unknown family");
    int file = open("ids", O_RDONLY);
    if (listen(file, 3) != -1 || errno != ENOTSOCK) fail("listen on a file");
    fprintf(ids, "file %d\n", file);
    char *missing_argv[] = {"nothing", NULL};
    if (execve("/nonexistent/faithful", missing_argv, environ) != -1 || errno != ENOENT) fail("execve of a missing file");

    int bin = open("/bin", O_RDONLY | O_DIRECTORY);
    if (bin < 0) fail("/bin");
    fprintf(ids, "dirfd %d\n", bin);
    pid = fork();
    if (pid == 0) {
        char *dargv[] = {"true", "viadir", NULL};
        char *denv[] = {"VIA=dirfd", NULL};
        syscall(SYS_execveat, bin, "true", dargv, denv, 0);
        _exit(100);
    }
    reap(pid, 0, "execveat");

    int mfd = memfd_create("payload", 0);
    int src = open("/bin/true", O_RDONLY);
    struct stat st;
    if (mfd < 0 || src < 0 || fstat(src, &st) != 0 || sendfile(mfd, src, NULL, st.st_size) != st.st_size) fail("memfd");
    close(src);
    fprintf(ids, "memfd %d\n", mfd);
    pid = fork();
    if (pid == 0) {
        char *margv[] = {"payload", "viamemfd", NULL};
        char *menv[] = {"VIA=memfd", NULL};
        fexecve(mfd, margv, menv);
        _exit(100);
    }
    reap(pid, 0, "fexecve");

    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 7) != 0) fail("listen");
    socklen_t al = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &al);
    fprintf(ids, "socket %d\nport %d\n", s, ntohs(a.sin_port));

    /* writer | piped | reader: piped executes /bin/true once both others hold their end. */
    int p[2], q[2], ready[2], go[2];
    if (pipe(p) || pipe(q) || pipe(ready) || pipe(go)) fail("pipe");
    struct stat pst, qst, rst, gst;
    fstat(p[0], &pst);
    fstat(q[0], &qst);
    fstat(ready[0], &rst);
    fstat(go[0], &gst);
    fprintf(ids, "pipein %lu\npipeout %lu\nreadypipe %lu\ngopipe %lu\n", (unsigned long)pst.st_ino,
            (unsigned long)qst.st_ino, (unsigned long)rst.st_ino, (unsigned long)gst.st_ino);
    fprintf(ids, "p0 %d\np1 %d\nq0 %d\nq1 %d\nready0 %d\nready1 %d\ngo0 %d\ngo1 %d\n", p[0], p[1], q[0], q[1],
            ready[0], ready[1], go[0], go[1]);
    pid_t writer = pipe_end(p[1], 1, ready[1], go);
    pid_t reader = pipe_end(q[0], 0, ready[1], go);
    char both[2];
    if (read(ready[0], both, 1) != 1 || read(ready[0], both + 1, 1) != 1) fail("pipeline ready");
    pid = fork();
    if (pid == 0) {
        dup2(p[0], 0);
        dup2(q[1], 1);
        char *pargv[] = {"true", "piped", NULL};
        char *penv[] = {"VIA=pipe", NULL};
        execve("/bin/true", pargv, penv);
        _exit(100);
    }
    reap(pid, 0, "piped");
    close(go[1]);
    reap(writer, 0, "writer");
    reap(reader, 0, "reader");

    /* sentry/mmap: executable mappings of each kind, then one that is not executable. */
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void *anon = mmap(NULL, page, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *shared = mmap(NULL, page, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int tf = open("/bin/true", O_RDONLY);
    void *ofile = tf < 0 ? MAP_FAILED : mmap(NULL, page, PROT_READ | PROT_EXEC, MAP_PRIVATE, tf, 0);
    int self = open("/proc/self/exe", O_RDONLY);
    void *own = self < 0 ? MAP_FAILED : mmap(NULL, page, PROT_READ | PROT_EXEC, MAP_PRIVATE, self, 0);
    void *plain = mmap(NULL, page, PROT_READ, MAP_PRIVATE, tf, 0);
    if (anon == MAP_FAILED || shared == MAP_FAILED || ofile == MAP_FAILED || own == MAP_FAILED || plain == MAP_FAILED)
        fail("mmap");
    fprintf(ids, "mmapfile %d\nmmapself %d\n", tf, self);
    fclose(ids);
    return 0;
}

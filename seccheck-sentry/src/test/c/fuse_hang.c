/* fuse_hang DIR: a program serving its own filesystem to hold whoever looks a name up in it.
 * Mounts a FUSE filesystem on DIR (root only) whose server answers the mount's handshake and
 * its root's attributes but never a lookup, starts a child that executes DIR/script (a lookup:
 * it waits, natively as well), then, once the child waits in execve, runs /bin/true three
 * times and prints "others ran N" with how many finished within 10 seconds. Then it kills the
 * child and the server, unmounts and prints "done". Under a supervisor that looks the executed file up itself at the exec's enter,
 * that lookup waits on this server too: nothing else in the run goes on until the server dies.
 * fuse_hang --idle DIR: mounts the same filesystem, prints "mounted" and serves it until killed.
 * fuse_hang --memory open|exec DIR: the server answers lookups with a 4 KiB file but never a
 * read; the child maps DIR/f shared and passes a path that lies in that unread page to openat or
 * execve (its own read of it waits, natively as well); then, once the child is in that call, the
 * same three /bin/true. A
 * supervisor that reads the path from the child's memory waits on this server too.
 * fuse_hang --script DIR: the server serves DIR/script, a #! script that exits 0, to the child
 * that executes it (the kernel's lookup, attributes and read for its exec, the interpreter's own)
 * and leaves every other process's lookup and attributes unanswered, its mount's root included.
 * While the child runs, the same three /bin/true; then "script ran" when the child ended well
 * within 5 seconds, else "script waits" (natively it runs). A supervisor that looks at the
 * executed file or walks into the mount itself waits on this server. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "in_call.h"

static void reply(int fd, uint64_t unique, int error, const void *body, size_t len) {
    char buf[sizeof(struct fuse_out_header) + 256];
    struct fuse_out_header *h = (struct fuse_out_header *)buf;
    h->len = sizeof *h + len;
    h->error = error;
    h->unique = unique;
    if (len) memcpy(buf + sizeof *h, body, len);
    if (write(fd, buf, h->len) < 0 && errno != ENOENT) perror("fuse_hang: reply");
}

/* Whether lookups find a file (--memory) rather than being left unanswered. */
static int files;
/* --script: the one process whose requests are answered, and what DIR/script holds. */
static pid_t served;
static const char script_text[] = "#!/bin/sh\nexit 0\n";

static void attributes(struct fuse_attr *a, uint64_t ino) {
    memset(a, 0, sizeof *a);
    a->ino = ino;
    if (ino == FUSE_ROOT_ID) {
        a->mode = S_IFDIR | 0755;
        a->nlink = 2;
    } else {
        a->mode = S_IFREG | 0755;
        a->nlink = 1;
        a->size = served ? sizeof script_text - 1 : 4096;
        a->blocks = 8;
    }
}

static void serve(int fd) {
    static char buf[1 << 20];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR || errno == ENOENT) continue;
            _exit(0); /* unmounted */
        }
        struct fuse_in_header *in = (struct fuse_in_header *)buf;
        switch (in->opcode) {
        case FUSE_INIT: {
            struct fuse_init_in *i = (struct fuse_init_in *)(buf + sizeof *in);
            struct fuse_init_out out = {.major = FUSE_KERNEL_VERSION, .minor = i->minor < 31 ? i->minor : 31,
                                        .max_readahead = 4096, .max_write = 4096, .max_background = 16,
                                        .congestion_threshold = 12};
            reply(fd, in->unique, 0, &out, sizeof out);
            break;
        }
        case FUSE_GETATTR: {
            if (served && (pid_t)in->pid != served) break; /* never answered to anyone else */
            struct fuse_attr_out out = {0};
            attributes(&out.attr, in->nodeid);
            reply(fd, in->unique, 0, &out, sizeof out);
            break;
        }
        case FUSE_LOOKUP:
            if (files || (served && (pid_t)in->pid == served)) {
                struct fuse_entry_out out = {0};
                out.nodeid = 2;
                attributes(&out.attr, 2);
                reply(fd, in->unique, 0, &out, sizeof out);
            }
            break;
        case FUSE_OPEN:
            if (files || (served && (pid_t)in->pid == served)) {
                struct fuse_open_out out = {0};
                reply(fd, in->unique, 0, &out, sizeof out);
                break;
            }
            reply(fd, in->unique, -ENOSYS, NULL, 0);
            break;
        case FUSE_READ: /* answered to the --script child alone */
            if (served && (pid_t)in->pid == served) {
                struct fuse_read_in *r = (struct fuse_read_in *)(buf + sizeof *in);
                size_t len = sizeof script_text - 1;
                size_t off = r->offset < len ? r->offset : len;
                size_t count = len - off < r->size ? len - off : r->size;
                reply(fd, in->unique, 0, script_text + off, count);
            }
            break;
        case FUSE_INTERRUPT:
        case FUSE_FORGET:
        case FUSE_BATCH_FORGET:
            break; /* a lookup is never answered; forgets and interrupts take no answer */
        default:
            reply(fd, in->unique, -ENOSYS, NULL, 0);
        }
    }
}

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
    int idle = argc == 3 && !strcmp(argv[1], "--idle");
    int scripted = argc == 3 && !strcmp(argv[1], "--script");
    files = argc == 4 && !strcmp(argv[1], "--memory");
    if (argc != 2 && !idle && !scripted && !files) {
        fprintf(stderr, "usage: fuse_hang [--idle|--script] DIR | fuse_hang --memory open|exec DIR\n");
        return 2;
    }
    const char *dir = argv[argc - 1];
    int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fd < 0) { perror("fuse_hang: /dev/fuse"); return 1; }
    char opts[128];
    snprintf(opts, sizeof opts, "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
    if (mount("fuse_hang", dir, "fuse", MS_NOSUID | MS_NODEV, opts) < 0) { perror("fuse_hang: mount"); return 1; }
    if (idle) {
        printf("mounted\n");
        fflush(stdout);
        serve(fd);
    }
    char script[4096];
    snprintf(script, sizeof script, "%s/script", dir);
    int go[2] = {-1, -1};
    int start[2] = {-1, -1};
    pid_t execer = 0;
    int reaped = 0; /* the --script child, waited for already: its pid is not ours to signal any more */
    if (scripted) {
        /* The child first, so that the server knows whom to answer; it execs once the server runs. */
        if (pipe(go) < 0) { perror("fuse_hang: pipe"); return 1; }
        execer = fork();
        if (execer == 0) {
            char c;
            close(go[1]);
            if (read(go[0], &c, 1) != 1) _exit(1);
            execl(script, script, (char *)NULL);
            _exit(127);
        }
        close(go[0]);
        served = execer;
    }
    pid_t server = fork();
    if (server == 0) serve(fd);
    close(fd);
    if (scripted) {
        if (write(go[1], "g", 1) != 1) perror("fuse_hang: go");
        close(go[1]);
    } else {
        /* The child makes its call when told, once its /proc/PID/syscall is open here. */
        if (pipe(start) < 0) { perror("fuse_hang: pipe"); return 1; }
        execer = fork();
        if (execer == 0) close(start[1]);
    }
    if (execer == 0 && files) {
        snprintf(script, sizeof script, "%s/f", dir);
        int f = open(script, O_RDONLY);
        char *unread = f < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ, MAP_SHARED, f, 0);
        if (unread == MAP_FAILED) { perror("fuse_hang: map"); _exit(1); }
        char c;
        if (read(start[0], &c, 1) != 1) _exit(1);
        if (!strcmp(argv[2], "exec")) {
            char *args[] = {"x", NULL};
            execve(unread, args, args + 1);
        } else {
            openat(AT_FDCWD, unread, O_RDONLY);
        }
        _exit(0);
    }
    if (execer == 0) {
        char c;
        if (!scripted && read(start[0], &c, 1) != 1) _exit(1);
        execl(script, script, (char *)NULL);
        _exit(127);
    }
    if (scripted) {
        usleep(300 * 1000);
    } else {
        /* the others run once the child waits in its call: before, they might all be done first */
        close(start[0]);
        int watch = call_watch(execer);
        if (write(start[1], "g", 1) != 1) perror("fuse_hang: start");
        await_call(watch, files && !strcmp(argv[2], "open") ? SYS_openat : SYS_execve, 10000);
    }
    int ran = 0;
    long deadline = now_ms() + 10000;
    for (int i = 0; i < 3 && now_ms() < deadline; i++) {
        pid_t p = fork();
        if (p == 0) {
            execl("/bin/true", "true", (char *)NULL);
            _exit(127);
        }
        int st;
        if (waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0) ran++;
    }
    printf("others ran %d\n", ran);
    if (scripted) {
        int st = 0;
        pid_t got = 0;
        for (long until = now_ms() + 5000; (got = waitpid(execer, &st, WNOHANG)) == 0 && now_ms() < until;) usleep(10000);
        reaped = got == execer;
        printf("script %s\n", reaped && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ran" : reaped ? "failed" : "waits");
    }
    fflush(stdout);
    if (!reaped) kill(execer, SIGKILL);
    kill(server, SIGKILL);
    if (!reaped) waitpid(execer, NULL, 0);
    waitpid(server, NULL, 0);
    umount2(dir, MNT_DETACH);
    printf("done\n");
    return 0;
}

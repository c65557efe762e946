/* fuse_hidden MODE DIR: a FUSE filesystem served by a process of the run whose /dev/fuse fd is
 * hidden from a look for a /proc/PID/fd link reading "/dev/fuse" (a red team's program: StuckReads
 * looked for one, and the run hung for good).
 * MODE inflight: the server parks its /dev/fuse fd in an SCM_RIGHTS message on a socketpair it
 *   keeps, and closes it (no fd of any process reads /dev/fuse).
 * MODE mknod: the device is opened through a node made with mknod in DIR's parent (link reads
 *   that path, not /dev/fuse).
 * The server answers INIT/LOOKUP/GETATTR/OPEN but never READ. A child maps DIR/f shared and
 * passes a path in that unread page to openat (natively: only that child waits). Once the child
 * is in that call (in_call.h; up to 10 s), the main process runs /bin/true 3 times (10 s
 * deadline), prints "others ran N", kills the server, prints "child ended" if the child ended
 * within 5 s after, and "done". The child prints how its call ended ("child's call: ok" or its
 * error).
 * FUSE_CALLER_EXITS=1: a thread of the child ends the child's process (exit_group) 300 ms into
 *   the call, so that its maps no longer tell where the read of the path waits (red-team round
 *   22: StuckReads then killed no server, and the run hung for good). */
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sched.h>
#include <netinet/in.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "in_call.h"

static void reply(int fd, uint64_t unique, int error, const void *body, size_t len) {
    char buf[sizeof(struct fuse_out_header) + 256];
    struct fuse_out_header *h = (struct fuse_out_header *)buf;
    h->len = sizeof *h + len; h->error = error; h->unique = unique;
    if (len) memcpy(buf + sizeof *h, body, len);
    write(fd, buf, h->len);
}
static void attributes(struct fuse_attr *a, uint64_t ino) {
    memset(a, 0, sizeof *a); a->ino = ino;
    if (ino == FUSE_ROOT_ID) { a->mode = S_IFDIR | 0755; a->nlink = 2; }
    else { a->mode = S_IFREG | 0644; a->nlink = 1; a->size = 4096; a->blocks = 8; }
}
static long now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000L + t.tv_nsec / 1000000; }

static int inflight;

/* Ends the calling process 300 ms after it starts, whatever its other threads are in. */
static void *exit_soon(void *unused) {
    (void)unused;
    usleep(300 * 1000);
    syscall(SYS_exit_group, 0);
    return NULL;
}
static void serve(int fd, int hidepipe) {
    static char buf[1 << 20];
    int sp[2] = {-1, -1};
    for (;;) {
        /* wait for either a request or the "hide" byte */
        fd_set r; FD_ZERO(&r); FD_SET(fd, &r); FD_SET(hidepipe, &r);
        int m = fd > hidepipe ? fd : hidepipe;
        if (select(m + 1, &r, NULL, NULL, NULL) < 0) continue;
        if (FD_ISSET(hidepipe, &r)) {
            char c; read(hidepipe, &c, 1);
            if (inflight) {
                socketpair(AF_UNIX, SOCK_DGRAM, 0, sp);
                char cm[CMSG_SPACE(sizeof(int))] = {0};
                struct iovec iov = {"x", 1};
                struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm, .msg_controllen = sizeof cm};
                struct cmsghdr *c0 = CMSG_FIRSTHDR(&mh);
                c0->cmsg_level = SOL_SOCKET; c0->cmsg_type = SCM_RIGHTS; c0->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c0), &fd, sizeof fd);
                if (sendmsg(sp[0], &mh, 0) < 0) perror("sendmsg");
                close(fd);
            }
            for (;;) pause(); /* never answers again; holds sp */
        }
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) { if (errno == EINTR || errno == ENOENT) continue; _exit(0); }
        struct fuse_in_header *in = (struct fuse_in_header *)buf;
        switch (in->opcode) {
        case FUSE_INIT: {
            struct fuse_init_in *i = (struct fuse_init_in *)(buf + sizeof *in);
            struct fuse_init_out out = {.major = FUSE_KERNEL_VERSION, .minor = i->minor < 31 ? i->minor : 31,
                .max_readahead = 4096, .max_write = 4096, .max_background = 16, .congestion_threshold = 12};
            reply(fd, in->unique, 0, &out, sizeof out); break; }
        case FUSE_GETATTR: { struct fuse_attr_out out = {0}; attributes(&out.attr, in->nodeid); reply(fd, in->unique, 0, &out, sizeof out); break; }
        case FUSE_LOOKUP: { struct fuse_entry_out out = {0}; out.nodeid = 2; attributes(&out.attr, 2); reply(fd, in->unique, 0, &out, sizeof out); break; }
        case FUSE_OPEN: { struct fuse_open_out out = {0}; reply(fd, in->unique, 0, &out, sizeof out); break; }
        case FUSE_READ: case FUSE_INTERRUPT: case FUSE_FORGET: case FUSE_BATCH_FORGET: break;
        default: reply(fd, in->unique, -ENOSYS, NULL, 0);
        }
    }
}

int main(int argc, char **argv) {
    /* fuse_hidden userns DIR DEV: unprivileged: a user and mount namespace of its own, /dev/fuse
     * opened at DEV (a distro's 0666 /dev/fuse; here a 0666 node made for the test), fd in flight. */
    int userns = argc == 4 && !strcmp(argv[1], "userns");
    if (userns) {
        uid_t u = getuid(); gid_t g = getgid();
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) { perror("unshare"); return 1; }
        char m[64]; int f;
        f = open("/proc/self/setgroups", O_WRONLY); write(f, "deny", 4); close(f);
        snprintf(m, sizeof m, "0 %d 1", u); f = open("/proc/self/uid_map", O_WRONLY); if (write(f, m, strlen(m)) < 0) perror("uid_map"); close(f);
        snprintf(m, sizeof m, "0 %d 1", g); f = open("/proc/self/gid_map", O_WRONLY); if (write(f, m, strlen(m)) < 0) perror("gid_map"); close(f);
        argc = 3;
    }
    if (argc != 3) { fprintf(stderr, "usage: fuse_hidden inflight|mknod DIR | userns DIR DEV\n"); return 2; }
    setvbuf(stdout, NULL, _IONBF, 0);
    inflight = !strcmp(argv[1], "inflight") || userns;
    const char *dir = argv[2];
    char dev[4096];
    const char *devpath = userns ? argv[3] : "/dev/fuse";
    if (!inflight && !userns) {
        snprintf(dev, sizeof dev, "%s.dev", dir);
        unlink(dev);
        if (mknod(dev, S_IFCHR | 0600, makedev(10, 229)) < 0) { perror("mknod"); return 1; }
        devpath = dev;
    }
    int fd = open(devpath, O_RDWR | O_CLOEXEC);
    if (fd < 0) { perror("open fuse"); return 1; }
    char opts[128];
    snprintf(opts, sizeof opts, "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
    if (mount("fuse_hidden", dir, "fuse", MS_NOSUID | MS_NODEV, opts) < 0) { perror("mount"); return 1; }
    int hp[2]; pipe(hp);
    pid_t server = fork();
    if (server == 0) { close(hp[1]); serve(fd, hp[0]); }
    close(fd); close(hp[0]);
    char f[4096]; snprintf(f, sizeof f, "%s/f", dir);
    int ff = open(f, O_RDONLY);
    char *unread = ff < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ, MAP_SHARED, ff, 0);
    if (unread == MAP_FAILED) { perror("map"); return 1; }
    close(ff);
    write(hp[1], "h", 1); /* server hides its fd */
    usleep(200 * 1000);
    int connects = getenv("FUSE_CALL") && !strcmp(getenv("FUSE_CALL"), "connect");
    int go[2];
    if (pipe(go) < 0) { perror("pipe"); return 1; }
    pid_t child = fork();
    if (child == 0) {
        char c;
        close(go[1]);
        if (read(go[0], &c, 1) != 1) _exit(1);
        /* FUSE_CALL=connect: the unread page is connect's sockaddr (a policy with connect points only) */
        if (connects) {
            int s = socket(AF_INET, SOCK_STREAM, 0);
            connect(s, (struct sockaddr *)unread, 16);
            _exit(0);
        }
        pthread_t exiter;
        if (getenv("FUSE_CALLER_EXITS") && pthread_create(&exiter, NULL, exit_soon, NULL) != 0) _exit(1);
        int r = openat(AT_FDCWD, unread, O_RDONLY);
        printf("child's call: %s\n", r < 0 ? strerror(errno) : "ok");
        _exit(0);
    }
    close(go[0]);
    int watch = call_watch(child);
    if (write(go[1], "g", 1) != 1) perror("go");
    await_call(watch, connects ? SYS_connect : SYS_openat, 10000);
    int ran = 0; long deadline = now_ms() + 10000;
    for (int i = 0; i < 3 && now_ms() < deadline; i++) {
        pid_t p = fork();
        if (p == 0) {
            if (connects) {
                /* another process's connect to loopback (refused at port 1): needs seccheck's answer */
                struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(1), .sin_addr.s_addr = htonl(0x7f000001)};
                int s = socket(AF_INET, SOCK_STREAM, 0);
                int r = connect(s, (struct sockaddr *)&a, sizeof a);
                _exit(r < 0 && errno == ECONNREFUSED ? 0 : 1);
            }
            execl("/bin/true", "true", (char *)NULL); _exit(127);
        }
        int st; if (waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0) ran++;
    }
    printf("others ran %d (%ld ms)\n", ran, now_ms() - deadline + 10000);
    kill(server, SIGKILL); waitpid(server, NULL, 0);
    int st; pid_t got = 0;
    for (long until = now_ms() + 5000; (got = waitpid(child, &st, WNOHANG)) == 0 && now_ms() < until;) usleep(10000);
    printf("child %s\n", got == child ? "ended" : "still waits");
    if (got != child) { kill(child, SIGKILL); waitpid(child, NULL, 0); }
    umount2(dir, MNT_DETACH);
    if (!inflight) unlink(dev);
    printf("done\n");
    return 0;
}

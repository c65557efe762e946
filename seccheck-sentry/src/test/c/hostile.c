/* hostile: routes a program takes around a path or address rule. Each mode prints one line,
 * "GOT <what it read or reached>" when the forbidden object was reached, "NO <errno name>"
 * otherwise; races print "wins N of M". Used by EmulationTest, natively and under seccheck. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/openat2.h>
#include <linux/perf_event.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int report_fd(int fd) {
    if (fd < 0) {
        printf("NO %s\n", strerrorname_np(errno));
        return 1;
    }
    char buf[64] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n < 0) {
        printf("NO read %s\n", strerrorname_np(errno));
        return 1;
    }
    while (n > 0 && buf[n - 1] == '\n') buf[--n] = 0;
    printf("GOT %s\n", buf);
    close(fd);
    return 0;
}

static volatile int restart_fd = -2;
static void on_usr1(int s) { (void)s; }
static void *open_fifo(void *arg) {
    restart_fd = open((const char *)arg, O_RDONLY);
    return NULL;
}

static int lease_fd = -1;
static const char *lease_other;
static void on_lease_break(int s) {
    (void)s;
    int o = open(lease_other, O_RDONLY); /* an open the holder needs before it lets go */
    if (o >= 0) close(o);
    fcntl(lease_fd, F_SETLEASE, F_UNLCK);
}
static void *open_for_write(void *arg) {
    restart_fd = open((const char *)arg, O_WRONLY);
    return NULL;
}

static volatile int stop;
static char race_path[4096];
static const char *race_a, *race_b;

static void *flip_path(void *arg) {
    (void)arg;
    while (!stop) {
        strcpy(race_path, race_a);
        strcpy(race_path, race_b);
    }
    return NULL;
}

/* The one string execve gets as argv[2] and as its only environment entry: allowed when the
 * call starts, forbidden once a thread has waited race_delay_us after that (a sweep of delays
 * finds the moment between a supervisor's look and the kernel's copy). */
/* Moves the directory "ok" to "prot" and back until stop (race-dir-move). */
static void *move_dir(void *arg) {
    (void)arg;
    while (!stop) {
        rename("ok", "prot");
        usleep(20);
        rename("prot", "ok");
        usleep(20);
    }
    return NULL;
}

static char race_exec[64];
static volatile int exec_started, flipper_ready;
static long race_delay_us;

static long now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000L + t.tv_nsec / 1000;
}

static void *flip_exec(void *arg) {
    (void)arg;
    flipper_ready = 1;
    while (!exec_started) {}
    long until = now_us() + race_delay_us;
    while (now_us() < until) {}
    strcpy(race_exec, "SECCHECK_RACE=forbidden");
    for (;;) pause();
    return NULL;
}

static struct sockaddr_in race_addr;
static int port_a, port_b;

static void *flip_port(void *arg) {
    (void)arg;
    while (!stop) {
        /* volatile stores: the compiler must not sink them out of the loop */
        *(volatile unsigned short *)&race_addr.sin_port = htons(port_a);
        *(volatile unsigned short *)&race_addr.sin_port = htons(port_b);
    }
    return NULL;
}

/* A message with ancillary data whose address a thread adds and takes away (race-sendmsg-control). */
static struct msghdr race_msg;
static struct sockaddr_in race_to;

static void *flip_name(void *arg) {
    (void)arg;
    while (!stop) {
        *(void *volatile *)&race_msg.msg_name = &race_to;
        *(volatile socklen_t *)&race_msg.msg_namelen = sizeof race_to;
        *(void *volatile *)&race_msg.msg_name = NULL;
        *(volatile socklen_t *)&race_msg.msg_namelen = 0;
    }
    return NULL;
}

/* A descriptor number a thread points at a netlink socket and at a UDP one in turn, with an
 * address of each family to match (race-netlink-swap). */
static int swap_fd, swap_netlink, swap_udp;
static union {
    struct sockaddr_nl nl;
    struct sockaddr_in in;
} swap_addr;
static struct sockaddr_in swap_to;
static volatile int swapper_ready;

static void *swap_socket(void *arg) {
    (void)arg;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    /* Each address goes in before its socket, so that each state the thread may be preempted in
     * (at a dup2's return, on a machine where it shares a CPU with the caller) is a matching
     * pair: half of them a UDP socket with the forbidden address. */
    while (!stop) {
        memset((void *)&swap_addr, 0, sizeof swap_addr);
        memcpy((void *)&swap_addr, &kernel, sizeof kernel);
        dup2(swap_netlink, swap_fd);
        memcpy((void *)&swap_addr, &swap_to, sizeof swap_to);
        dup2(swap_udp, swap_fd);
        swapper_ready = 1;
    }
    return NULL;
}

static struct sockaddr_in loopback(int port) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    return a;
}

static void sent(ssize_t n) {
    if (n < 0) printf("NO %s\n", strerrorname_np(errno));
    else printf("GOT sent %zd\n", n);
}

/* A seccomp filter of the program's own whose listener lets every call it is told of go on
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE): installed after the supervisor's, it would be asked first
 * and its answer taken, were it allowed. Returns the listener, or -1 (errno) when refused. */
static int listener_fd = -1;
static void *answer_continue(void *arg) {
    (void)arg;
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;
    for (;;) {
        memset(&req, 0, sizeof req);
        if (ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
            if (errno == EINTR || errno == ENOENT) continue;
            return NULL;
        }
        memset(&resp, 0, sizeof resp);
        resp.id = req.id;
        resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    }
}
static int own_listener(void) {
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
    };
    struct sock_fprog prog = {.len = sizeof code / sizeof code[0], .filter = code};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    listener_fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    if (listener_fd < 0) return -1;
    pthread_t t;
    pthread_create(&t, NULL, answer_continue, NULL);
    return listener_fd;
}

/* Another process's memory, as a program of the same user may reach it natively: through
 * process_vm_* or /proc/PID/mem. Each returns the bytes moved, or -1 with errno. */
static ssize_t vm_move(pid_t pid, unsigned long addr, char *buf, size_t n, int write) {
    struct iovec local = {buf, n}, remote = {(void *)addr, n};
    return write ? process_vm_writev(pid, &local, 1, &remote, 1, 0) : process_vm_readv(pid, &local, 1, &remote, 1, 0);
}
static ssize_t mem_move(pid_t pid, unsigned long addr, char *buf, size_t n, int write) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", pid);
    int fd = open(path, write ? O_RDWR : O_RDONLY);
    if (fd < 0) return -1;
    ssize_t r = write ? pwrite(fd, buf, n, (off_t)addr) : pread(fd, buf, n, (off_t)addr);
    int e = errno;
    close(fd);
    errno = e;
    return r;
}
static int report_moved(ssize_t r, const char *what) {
    if (r < 0) printf("NO %s\n", strerrorname_np(errno));
    else printf("GOT %s\n", what);
    return r < 0;
}

static int in_userns(void) {
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return -1;
    char m[64];
    int fd = open("/proc/self/setgroups", O_WRONLY);
    if (fd >= 0) { write(fd, "deny", 4); close(fd); }
    fd = open("/proc/self/uid_map", O_WRONLY);
    snprintf(m, sizeof m, "0 %d 1", uid);
    if (fd < 0 || write(fd, m, strlen(m)) < 0) return -1;
    close(fd);
    fd = open("/proc/self/gid_map", O_WRONLY);
    snprintf(m, sizeof m, "0 %d 1", gid);
    if (fd < 0 || write(fd, m, strlen(m)) < 0) return -1;
    close(fd);
    return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

/* A client that connects to the listener at accept_to after accept_delay_us (accept-restart, accept-eintr). */
static struct sockaddr_in accept_to;
static int accept_delay_us;
static volatile sig_atomic_t signals_seen;
static void on_alarm(int s) {
    (void)s;
    signals_seen++;
}
static void *connect_after(void *arg) {
    (void)arg;
    usleep(accept_delay_us);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&accept_to, sizeof accept_to);
    return NULL;
}
/* Ends the program after 20 s, saying so: an accept seccheck lost the connection of would wait for ever. */
static void *deadline(void *arg) {
    (void)arg;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += 20;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR) {
    }
    printf("timed out\n");
    fflush(stdout);
    _exit(3);
}
static int loopback_listener(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    accept_to = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(s, (struct sockaddr *)&accept_to, sizeof accept_to);
    listen(s, 4);
    socklen_t l = sizeof accept_to;
    getsockname(s, (struct sockaddr *)&accept_to, &l);
    return s;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: hostile MODE ARGS...\n");
        return 2;
    }
    const char *mode = argv[1];
    const char *p = argv[2];
    if (!strcmp(mode, "unix-bind-name")) { /* hostile unix-bind-name NAME: the name a unix socket bound to NAME keeps */
        int u = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un a = {.sun_family = AF_UNIX}, got;
        strncpy(a.sun_path, p, sizeof a.sun_path - 1);
        socklen_t l = sizeof got;
        if (bind(u, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(u, (struct sockaddr *)&got, &l) != 0) {
            printf("NO %s\n", strerrorname_np(errno));
            return 1;
        }
        printf("bound as %s\n", got.sun_path);
        return 0;
    }
    if (!strcmp(mode, "accept-restart") || !strcmp(mode, "accept-eintr")) {
        /* hostile accept-restart|accept-eintr N: a blocking accept that signals interrupt, every
         * 20 ms with SA_RESTART (the kernel repeats it) until a client comes after 300 ms; or
         * once, 100 ms in, without (accept fails with EINTR), the client coming 50 ms later
         * while the program sleeps 600 ms, then takes it with a non-blocking accept: the
         * connection must still wait for it */
        int restart = !strcmp(mode, "accept-restart");
        /* The helper threads block SIGALRM, so that every alarm interrupts the accept. */
        sigset_t alarms;
        sigemptyset(&alarms);
        sigaddset(&alarms, SIGALRM);
        pthread_sigmask(SIG_BLOCK, &alarms, NULL);
        pthread_t watchdog;
        pthread_create(&watchdog, NULL, deadline, NULL);
        int s = loopback_listener();
        struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = restart ? SA_RESTART : 0};
        sigaction(SIGALRM, &sa, NULL);
        struct itimerval every = {.it_value = {0, restart ? 20000 : 100000}, .it_interval = {0, restart ? 20000 : 0}};
        accept_delay_us = restart ? 300000 : 150000; /* without: inside seccheck's first wait slice */
        pthread_t t;
        pthread_create(&t, NULL, connect_after, NULL);
        pthread_sigmask(SIG_UNBLOCK, &alarms, NULL);
        setitimer(ITIMER_REAL, &every, NULL);
        int c = accept(s, NULL, NULL);
        struct itimerval off = {{0, 0}, {0, 0}};
        setitimer(ITIMER_REAL, &off, NULL);
        if (restart) {
            printf("%s, %s\n", c >= 0 ? "accepted" : strerrorname_np(errno),
                   signals_seen > 5 ? "interrupted many times" : "interrupted too few times");
        } else {
            printf("first accept %s\n", c >= 0 ? "accepted" : strerrorname_np(errno));
            usleep(600000);
            fcntl(s, F_SETFL, O_NONBLOCK);
            c = accept4(s, NULL, NULL, SOCK_CLOEXEC); /* another call: nothing a repeat would be given */
            printf("then %s\n", c >= 0 ? "accepted" : strerrorname_np(errno));
        }
        pthread_join(t, NULL);
        return 0;
    }
    if (!strcmp(mode, "openat")) return report_fd(openat(AT_FDCWD, p, O_RDONLY));
    if (!strcmp(mode, "exchange")) { /* hostile exchange A B: swap the names, then read A */
        if (syscall(SYS_renameat2, AT_FDCWD, p, AT_FDCWD, argv[3], 2 /* RENAME_EXCHANGE */) < 0) {
            printf("NO %s\n", strerrorname_np(errno));
            return 1;
        }
        return report_fd(openat(AT_FDCWD, p, O_RDONLY));
    }
    if (!strcmp(mode, "open")) return report_fd((int)syscall(SYS_open, p, O_RDONLY));
    if (!strcmp(mode, "creat")) {
        int fd = (int)syscall(SYS_creat, p, 0600);
        if (fd < 0) { printf("NO %s\n", strerrorname_np(errno)); return 1; }
        printf("GOT created\n");
        return 0;
    }
    if (!strcmp(mode, "openat2")) {
        struct open_how how = {.flags = O_RDONLY};
        return report_fd((int)syscall(SYS_openat2, AT_FDCWD, p, &how, sizeof how));
    }
    if (!strcmp(mode, "cwd")) { /* hostile cwd DIR NAME */
        if (chdir(p) != 0) return 2;
        return report_fd(open(argv[3], O_RDONLY));
    }
    if (!strcmp(mode, "dirfd")) { /* hostile dirfd DIR NAME */
        int d = open(p, O_RDONLY | O_DIRECTORY);
        return report_fd(openat(d, argv[3], O_RDONLY));
    }
    if (!strcmp(mode, "fdlink")) { /* hostile fdlink DIR NAME: /proc/self/fd/N/NAME */
        int d = open(p, O_RDONLY | O_DIRECTORY);
        char path[256];
        snprintf(path, sizeof path, "/proc/self/fd/%d/%s", d, argv[3]);
        return report_fd(open(path, O_RDONLY));
    }
    if (!strcmp(mode, "handle")) { /* hostile handle FILE */
        struct file_handle *h = malloc(sizeof *h + 128);
        h->handle_bytes = 128;
        int mnt;
        if (name_to_handle_at(AT_FDCWD, p, h, &mnt, 0) != 0) { printf("NO name_to_handle %s\n", strerrorname_np(errno)); return 1; }
        int m = open("/", O_RDONLY | O_DIRECTORY);
        return report_fd(open_by_handle_at(m, h, O_RDONLY));
    }
    if (!strcmp(mode, "clonefs")) { /* hostile clonefs DIR NAME: a CLONE_FS sibling chdirs, then a relative open */
        int pipefd[2];
        pipe(pipefd);
        pid_t c = syscall(SYS_clone, CLONE_FS | SIGCHLD, 0, 0, 0, 0);
        if (c == 0) {
            chdir(p);
            write(pipefd[1], "x", 1);
            _exit(0);
        }
        char x;
        read(pipefd[0], &x, 1);
        waitpid(c, NULL, 0);
        return report_fd(open(argv[3], O_RDONLY));
    }
    if (!strcmp(mode, "listener")) { /* hostile listener FILE: opens FILE past its own filter's listener */
        if (own_listener() < 0) printf("listener NO %s\n", strerrorname_np(errno));
        return report_fd(openat(AT_FDCWD, p, O_RDONLY));
    }
    if (!strcmp(mode, "listener-untraced")) { /* hostile listener-untraced FILE: the same from a CLONE_UNTRACED child */
        if (own_listener() < 0) printf("listener NO %s\n", strerrorname_np(errno));
        pid_t c = (pid_t)syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
        if (c < 0) {
            printf("NO clone %s\n", strerrorname_np(errno));
            return 1;
        }
        if (c == 0) {
            int r = report_fd((int)syscall(SYS_openat, AT_FDCWD, p, O_RDONLY));
            fflush(stdout);
            _exit(r);
        }
        int st;
        waitpid(c, &st, 0);
        return 0;
    }
    if (!strncmp(mode, "vm-", 3) || !strncmp(mode, "mem-", 4)) {
        /* hostile vm-write|vm-read|mem-write|mem-read PID ADDR: 8 bytes of another process;
         * hostile vm-write|mem-write child: into a child of its own, which reports what it holds */
        ssize_t (*move)(pid_t, unsigned long, char *, size_t, int) = mode[0] == 'v' ? vm_move : mem_move;
        const char *op = strchr(mode, '-') + 1;
        if (!strcmp(p, "child")) {
            static char held[16] = "ORIGINAL";
            int go[2], back[2];
            pipe(go);
            pipe(back);
            pid_t c = fork();
            if (c == 0) {
                char x;
                read(go[0], &x, 1);
                write(back[1], held, 8);
                _exit(0);
            }
            char data[] = "INJECTED";
            ssize_t r = move(c, (unsigned long)held, data, 8, 1);
            int e = errno;
            write(go[1], "x", 1);
            char got[9] = {0};
            read(back[0], got, 8);
            waitpid(c, NULL, 0);
            errno = e;
            return report_moved(r, got);
        }
        unsigned long addr = strtoul(argv[3], NULL, 10);
        char data[9] = "INJECTED";
        ssize_t r = move(atoi(p), addr, data, 8, !strcmp(op, "write"));
        return report_moved(r, !strcmp(op, "write") ? "written" : data);
    }
    if (!strcmp(mode, "procat") || !strcmp(mode, "proccwd")) {
        /* hostile procat|proccwd PID FILE: FILE of /proc/PID, named from a descriptor of that
         * directory, or from it as the working directory */
        char path[64];
        snprintf(path, sizeof path, "/proc/%s", p);
        if (!strcmp(mode, "proccwd")) {
            if (chdir(path) != 0) {
                printf("NO chdir %s\n", strerrorname_np(errno));
                return 1;
            }
            return report_fd(open(argv[3], O_RDONLY));
        }
        int d = open(path, O_PATH | O_DIRECTORY);
        if (d < 0) {
            printf("NO open dir %s\n", strerrorname_np(errno));
            return 1;
        }
        return report_fd(openat(d, argv[3], O_RDONLY));
    }
    if (!strcmp(mode, "container")) { /* hostile container PID FILE: /proc/1/FILE in the mounts of PID's namespaces */
        int fd = (int)syscall(SYS_pidfd_open, atoi(p), 0);
        if (fd < 0) {
            printf("NO pidfd_open %s\n", strerrorname_np(errno));
            return 1;
        }
        /* Its user namespace (the user owns it, so it may) and its mounts: its /proc is the procfs of
           its pid namespace, where the container's processes have numbers of their own. */
        if (setns(fd, CLONE_NEWUSER | CLONE_NEWNS) < 0) {
            printf("NO setns %s\n", strerrorname_np(errno));
            return 1;
        }
        char path[64];
        snprintf(path, sizeof path, "/proc/1/%s", argv[3]);
        return report_fd(open(path, O_RDONLY));
    }
    if (!strcmp(mode, "environ")) { /* hostile environ PID: another process's environment */
        char path[64];
        snprintf(path, sizeof path, "/proc/%s/environ", p);
        return report_fd(open(path, O_RDONLY));
    }
    if (!strcmp(mode, "perf")) { /* hostile perf PID: count its CPU time, as a sampler of its stack would start */
        struct perf_event_attr a = {.type = PERF_TYPE_SOFTWARE, .size = sizeof a, .config = PERF_COUNT_SW_TASK_CLOCK,
                                    .exclude_kernel = 1, .exclude_hv = 1};
        int fd = (int)syscall(SYS_perf_event_open, &a, atoi(p), -1, -1, 0);
        if (fd < 0) {
            printf("NO %s\n", strerrorname_np(errno));
            return 1;
        }
        printf("GOT perf\n");
        return 0;
    }
    if (!strcmp(mode, "prlimit")) { /* hostile prlimit PID: takes its core dump limit to 0 */
        struct rlimit r = {0, 0};
        if (prlimit(atoi(p), RLIMIT_CORE, &r, NULL) != 0) {
            printf("NO %s\n", strerrorname_np(errno));
            return 1;
        }
        printf("GOT limited\n");
        return 0;
    }
    /* What reaches another process without its memory or its /proc: each prints GOT <mode> when
     * the kernel answered. kcmp PID: compares its memory with ours (and would list its fds);
     * robust PID: where its C library keeps its robust futex list; movepages PID ADDR: whether
     * ADDR is mapped there; migrate PID: moves its pages between nodes; madvise PID ADDR: pages
     * out its page at ADDR through a pidfd (root: CAP_SYS_NICE). */
    if (!strcmp(mode, "kcmp") || !strcmp(mode, "robust") || !strcmp(mode, "movepages") || !strcmp(mode, "migrate")
        || !strcmp(mode, "madvise")) {
        pid_t pid = atoi(p);
        long r;
        /* In our own process, a page of ours: the stack's. */
        unsigned long addr = pid == getpid() ? (unsigned long)&r : strtoul(argv[3], NULL, 0);
        if (!strcmp(mode, "kcmp")) {
            r = syscall(SYS_kcmp, getpid(), pid, 1 /* KCMP_VM */, 0, 0);
        } else if (!strcmp(mode, "robust")) {
            void *head;
            size_t len;
            r = syscall(SYS_get_robust_list, pid, &head, &len);
        } else if (!strcmp(mode, "movepages")) {
            void *page = (void *)(addr & ~4095UL);
            int status = 1;
            r = syscall(SYS_move_pages, pid, 1, &page, NULL, &status, 0);
        } else if (!strcmp(mode, "migrate")) {
            unsigned long nodes = 1;
            r = syscall(SYS_migrate_pages, pid, 8 * sizeof nodes, &nodes, &nodes);
        } else {
            int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
            struct iovec page = {(void *)(addr & ~4095UL), 4096};
            r = pidfd < 0 ? -1 : syscall(SYS_process_madvise, pidfd, &page, 1, 20 /* MADV_COLD */, 0);
        }
        if (r < 0) {
            printf("NO %s\n", strerrorname_np(errno));
            return 1;
        }
        printf("GOT %s\n", mode);
        return 0;
    }
    if (!strcmp(mode, "seize")) { /* hostile seize PID: become its tracer */
        if (ptrace(PTRACE_SEIZE, atoi(p), 0, 0) != 0) {
            printf("NO %s\n", strerrorname_np(errno));
            return 1;
        }
        printf("GOT seized\n");
        return 0;
    }
    if (!strcmp(mode, "bindmount") || !strcmp(mode, "opentree")) { /* hostile bindmount DIR NAME MOUNTPOINT */
        if (in_userns() != 0) { printf("SKIP userns %s\n", strerrorname_np(errno)); return 3; }
        if (!strcmp(mode, "bindmount")) {
            if (mount(p, argv[4], NULL, MS_BIND, NULL) != 0) { printf("SKIP mount %s\n", strerrorname_np(errno)); return 3; }
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[4], argv[3]);
            return report_fd(open(path, O_RDONLY));
        }
        int t = (int)syscall(SYS_open_tree, AT_FDCWD, p, 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC);
        if (t < 0) { printf("SKIP open_tree %s\n", strerrorname_np(errno)); return 3; }
        return report_fd(openat(t, argv[3], O_RDONLY));
    }
    if (!strcmp(mode, "lease")) { /* hostile lease FILE OTHER: a thread's open waits on the program's own lease */
        lease_other = argv[3];
        signal(SIGIO, on_lease_break);
        lease_fd = open(argv[2], O_RDONLY);
        if (lease_fd < 0 || fcntl(lease_fd, F_SETLEASE, F_RDLCK) < 0) { printf("NO lease %s\n", strerror(errno)); return 1; }
        pthread_t t;
        pthread_create(&t, NULL, open_for_write, (void *)argv[2]);
        pthread_join(t, NULL);
        if (restart_fd >= 0) printf("GOT opened\n"); else printf("NO %d\n", restart_fd);
        return 0;
    }
    if (!strcmp(mode, "restart")) { /* hostile restart FIFO N: a thread held in a FIFO open is interrupted N times (SA_RESTART) */
        const char *fifo = argv[2];
        int n = atoi(argv[3]);
        if (mkfifo(fifo, 0600) < 0) { printf("NO mkfifo %s\n", strerror(errno)); return 1; }
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_usr1;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGUSR1, &sa, NULL);
        pthread_t t;
        pthread_create(&t, NULL, open_fifo, (void *)fifo);
        for (int i = 0; i < n; i++) { usleep(200000); pthread_kill(t, SIGUSR1); }
        usleep(200000);
        int w = open(fifo, O_WRONLY);
        pthread_join(t, NULL);
        if (restart_fd >= 0 && w >= 0) printf("GOT opened\n"); else printf("NO %d %d\n", restart_fd, w);
        return 0;
    }
    if (!strcmp(mode, "race-open")) { /* hostile race-open ALLOWED FORBIDDEN N */
        race_a = argv[2];
        race_b = argv[3];
        int n = atoi(argv[4]), wins = 0;
        strcpy(race_path, race_a);
        pthread_t t;
        pthread_create(&t, NULL, flip_path, NULL);
        for (int i = 0; i < n; i++) {
            int fd = openat(AT_FDCWD, race_path, O_RDONLY);
            if (fd < 0) continue;
            char b[16] = {0};
            if (read(fd, b, sizeof b - 1) > 0 && !strncmp(b, "SECRET", 6)) wins++;
            close(fd);
        }
        stop = 1;
        pthread_join(t, NULL);
        printf("wins %d of %d\n", wins, n);
        return 0;
    }
    if (!strcmp(mode, "race-rename")) { /* hostile race-rename ALLOWED FORBIDDEN TARGET N */
        race_a = argv[2];
        race_b = argv[3];
        const char *target = argv[4];
        int n = atoi(argv[5]), wins = 0;
        strcpy(race_path, race_a);
        pthread_t t;
        pthread_create(&t, NULL, flip_path, NULL);
        for (int i = 0; i < n; i++) {
            if (rename(race_path, target) < 0) continue;
            int fd = open(target, O_RDONLY);
            char b[16] = {0};
            int secret = fd >= 0 && read(fd, b, sizeof b - 1) > 0 && !strncmp(b, "SECRET", 6);
            if (fd >= 0) close(fd);
            if (secret) wins++;
            rename(target, secret ? race_b : race_a); /* put it back for the next attempt */
        }
        stop = 1;
        pthread_join(t, NULL);
        printf("wins %d of %d\n", wins, n);
        return 0;
    }
    if (!strcmp(mode, "race-dir-move")) { /* hostile race-dir-move N: in the cwd, a thread moves "ok" to "prot" and
                                            back while mkdir("ok/x") runs N times; prints how often "prot/x" appeared */
        int n = atoi(argv[2]), wins = 0, made = 0;
        mkdir("ok", 0755);
        pthread_t t;
        pthread_create(&t, NULL, move_dir, NULL);
        for (int i = 0; i < n; i++) {
            if (mkdir("ok/x", 0755) == 0) made++;
            struct stat st;
            if (stat("prot/x", &st) == 0) wins++;
            rmdir("ok/x");
            rmdir("prot/x");
        }
        stop = 1;
        pthread_join(t, NULL);
        printf("wins %d of %d, %d made\n", wins, n, made);
        return 0;
    }
    if (!strcmp(mode, "race-exec")) { /* hostile race-exec N: a thread rewrites argv[2] and the environment, 0-990 us into execve;
                                        prints how many new programs got the forbidden string and how many ran clean */
        int n = atoi(argv[2]), wins = 0, clean = 0;
        for (int i = 0; i < n; i++) {
            pid_t c = fork();
            if (c == 0) {
                strcpy(race_exec, "SECCHECK_RACE=allowed");
                race_delay_us = i % 100 * 10;
                pthread_t t;
                pthread_create(&t, NULL, flip_exec, NULL);
                while (!flipper_ready) {}
                exec_started = 1;
                char *av[] = {"hostile", "race-exec-child", race_exec, NULL};
                char *ev[] = {race_exec, NULL};
                execve("/proc/self/exe", av, ev);
                _exit(127);
            }
            int st;
            if (c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st)) {
                if (WEXITSTATUS(st) == 42) wins++;
                if (WEXITSTATUS(st) == 0) clean++; /* ran with the allowed string */
            }
        }
        printf("wins %d of %d, %d clean\n", wins, n, clean);
        return 0;
    }
    if (!strcmp(mode, "race-exec-child")) { /* exits 42 when the forbidden string reached the new program */
        const char *e = getenv("SECCHECK_RACE");
        return (e && !strcmp(e, "forbidden")) || (p && !strcmp(p, "SECCHECK_RACE=forbidden")) ? 42 : 0;
    }
    if (!strcmp(mode, "race-connect")) { /* hostile race-connect ALLOWED_PORT FORBIDDEN_PORT N (UDP) */
        port_a = atoi(argv[2]);
        port_b = atoi(argv[3]);
        int n = atoi(argv[4]), wins = 0;
        race_addr = loopback(port_a);
        pthread_t t;
        pthread_create(&t, NULL, flip_port, NULL);
        for (int i = 0; i < n; i++) {
            int s = socket(AF_INET, SOCK_DGRAM, 0);
            if (connect(s, (struct sockaddr *)&race_addr, sizeof race_addr) == 0) {
                struct sockaddr_in peer;
                socklen_t l = sizeof peer;
                if (getpeername(s, (struct sockaddr *)&peer, &l) == 0 && ntohs(peer.sin_port) == port_b) wins++;
            }
            close(s);
        }
        stop = 1;
        pthread_join(t, NULL);
        printf("wins %d of %d\n", wins, n);
        return 0;
    }
    if (!strcmp(mode, "race-netlink-swap")) {
        /* hostile race-netlink-swap CALL FORBIDDEN_PORT N: CALL (sendto, sendmsg, connect or bind) on a
         * descriptor number a thread points at a netlink socket and at a UDP one in turn, with a
         * netlink address or the forbidden port's to match. A connect or bind that reached the UDP
         * socket is counted here (then undone); what the sends delivered, the caller counts */
        const char *call = argv[2];
        int n = atoi(argv[4]), wins = 0;
        swap_to = loopback(atoi(argv[3]));
        swap_netlink = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
        swap_udp = socket(AF_INET, SOCK_DGRAM, 0);
        swap_fd = dup(swap_netlink);
        pthread_t t;
        if (pthread_create(&t, NULL, swap_socket, NULL) != 0) {
            printf("NO thread\n");
            return 0;
        }
        while (!swapper_ready) {
        }
        struct iovec iov = {"x", 1};
        struct msghdr m = {.msg_name = (void *)&swap_addr, .msg_namelen = sizeof swap_to, .msg_iov = &iov,
                           .msg_iovlen = 1};
        for (int i = 0; i < n; i++) {
            if (!strcmp(call, "sendto")) {
                sendto(swap_fd, "x", 1, MSG_DONTWAIT, (struct sockaddr *)&swap_addr, sizeof swap_to);
            } else if (!strcmp(call, "sendmsg")) {
                sendmsg(swap_fd, &m, MSG_DONTWAIT);
            } else if (!strcmp(call, "bind")) {
                bind(swap_fd, (struct sockaddr *)&swap_addr, sizeof swap_to);
                struct sockaddr_in own;
                socklen_t l = sizeof own;
                if (getsockname(swap_udp, (struct sockaddr *)&own, &l) == 0 && own.sin_port == swap_to.sin_port) {
                    wins++;
                    /* a bound socket stays bound: a fresh one takes its number */
                    int fresh = socket(AF_INET, SOCK_DGRAM, 0);
                    dup2(fresh, swap_udp);
                    close(fresh);
                }
            } else {
                connect(swap_fd, (struct sockaddr *)&swap_addr, sizeof swap_to);
                struct sockaddr_in peer;
                socklen_t l = sizeof peer;
                if (getpeername(swap_udp, (struct sockaddr *)&peer, &l) == 0 && peer.sin_port == swap_to.sin_port) {
                    wins++;
                    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
                    connect(swap_udp, &unspec, sizeof unspec);
                }
            }
        }
        stop = 1;
        pthread_join(t, NULL);
        printf("wins %d of %d\n", wins, n);
        return 0;
    }
    if (!strcmp(mode, "race-sendmsg-control")) {
        /* hostile race-sendmsg-control ALLOWED_PORT FORBIDDEN_PORT N: a UDP socket connected to the
         * allowed port sends N messages with a TTL and no address while a thread adds the forbidden
         * port's address to the message and takes it away; prints how many sends succeeded (the
         * caller counts what reached the forbidden port) */
        int n = atoi(argv[4]), ok = 0, ttl = 9;
        struct sockaddr_in allowed = loopback(atoi(argv[2]));
        race_to = loopback(atoi(argv[3]));
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        if (connect(s, (struct sockaddr *)&allowed, sizeof allowed) != 0) {
            printf("NO connect %s\n", strerrorname_np(errno));
            return 0;
        }
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } u;
        memset(&u, 0, sizeof u);
        static struct iovec iov = {"x", 1};
        race_msg.msg_iov = &iov;
        race_msg.msg_iovlen = 1;
        race_msg.msg_control = u.buf;
        race_msg.msg_controllen = sizeof u.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&race_msg);
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_TTL;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &ttl, sizeof ttl);
        pthread_t t;
        pthread_create(&t, NULL, flip_name, NULL);
        for (int i = 0; i < n; i++) {
            if (sendmsg(s, &race_msg, 0) == 1) ok++;
        }
        stop = 1;
        pthread_join(t, NULL);
        printf("sent %d of %d\n", ok, n);
        return 0;
    }
    if (!strcmp(mode, "sendto") || !strcmp(mode, "sendmsg") || !strcmp(mode, "sendmmsg")) { /* hostile MODE PORT */
        struct sockaddr_in a = loopback(atoi(p));
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        char data[] = "hello";
        if (!strcmp(mode, "sendto")) { sent(sendto(s, data, 5, 0, (struct sockaddr *)&a, sizeof a)); return 0; }
        struct iovec iov = {data, 5};
        struct msghdr m = {.msg_name = &a, .msg_namelen = sizeof a, .msg_iov = &iov, .msg_iovlen = 1};
        if (!strcmp(mode, "sendmsg")) { sent(sendmsg(s, &m, 0)); return 0; }
        struct mmsghdr mm[2] = {{.msg_hdr = m}, {.msg_hdr = m}};
        int r = sendmmsg(s, mm, 2, 0);
        if (r < 0) printf("NO %s\n", strerrorname_np(errno));
        else printf("GOT sent %d messages, %u bytes\n", r, mm[0].msg_len);
        return 0;
    }
    if (!strcmp(mode, "fastopen")) { /* hostile fastopen PORT */
        struct sockaddr_in a = loopback(atoi(p));
        int s = socket(AF_INET, SOCK_STREAM, 0);
        sent(sendto(s, "hello", 5, MSG_FASTOPEN, (struct sockaddr *)&a, sizeof a));
        return 0;
    }
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
}

/*
 * A program that confines itself with Landlock, as a careful program does before it handles
 * untrusted input, then tries what its sandbox forbids and what it allows. Each line it prints
 * is one attempt and its result; run natively and under seccheck, the lines must be the same.
 *
 *   landlocked DIR files   DIR/inside/f and DIR/outside/f exist: only DIR/inside is granted
 *                          (and reading /usr)
 *   landlocked DIR tcp     TCP connects only to the first of two loopback listeners are granted
 *   landlocked DIR layers  100 children confine themselves 16 times each while the parent reads
 *   landlocked DIR widen   confines itself to DIR/inside, then adds DIR/outside to the same ruleset
 *   landlocked DIR churn   200 threads in turn stack 16 layers each and exit, then it confines itself
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The kernel's Landlock ABI, spelled out: the C library's headers may predate ABI 3 and 4. */
struct ruleset_attr {
    __u64 handled_access_fs;
    __u64 handled_access_net;
};
struct path_beneath_attr {
    __u64 allowed_access;
    __s32 parent_fd;
} __attribute__((packed));
struct net_port_attr {
    __u64 allowed_access;
    __u64 port;
};
#define CREATE_RULESET_VERSION 1
#define RULE_PATH_BENEATH 1
#define RULE_NET_PORT 2
#define FS_WRITE_FILE (1ULL << 1)
#define FS_READ_FILE (1ULL << 2)
#define FS_READ_DIR (1ULL << 3)
#define FS_REMOVE_FILE (1ULL << 5)
#define FS_MAKE_REG (1ULL << 8)
#define FS_REFER (1ULL << 13)
#define FS_TRUNCATE (1ULL << 14)
#define NET_CONNECT_TCP (1ULL << 1)

static char dir[4096];

static void said(const char *what, int r) {
    printf("%s: %s\n", what, r >= 0 ? "ok" : strerror(errno));
    fflush(stdout);
}

static void try_open(const char *what, const char *name, int flags) {
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", name[0] == '/' ? "" : dir, name[0] == '/' ? name + 1 : name);
    int fd = open(path, flags, 0644);
    said(what, fd);
    if (fd >= 0) {
        close(fd);
    }
}

static int abi(void) {
    return (int) syscall(SYS_landlock_create_ruleset, NULL, 0, CREATE_RULESET_VERSION);
}

static void confine(int ruleset) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_landlock_restrict_self, ruleset, 0)) {
        perror("landlock_restrict_self");
        exit(2);
    }
    close(ruleset);
}

/* Grants every handled file access beneath DIR/inside and confines the calling thread. */
static void confine_to_inside(void) {
    __u64 handled = FS_READ_FILE | FS_WRITE_FILE | FS_MAKE_REG
            | FS_REMOVE_FILE | FS_READ_DIR;
    if (abi() >= 2) {
        handled |= FS_REFER;
    }
    if (abi() >= 3) {
        handled |= FS_TRUNCATE;
    }
    struct ruleset_attr attr = {.handled_access_fs = handled};
    int ruleset = (int) syscall(SYS_landlock_create_ruleset, &attr, sizeof attr.handled_access_fs, 0);
    if (ruleset < 0) {
        perror("landlock_create_ruleset");
        exit(2);
    }
    char inside[8192];
    snprintf(inside, sizeof inside, "%s/inside", dir);
    struct path_beneath_attr beneath = {.allowed_access = handled, .parent_fd = open(inside, O_PATH | O_CLOEXEC)};
    if (syscall(SYS_landlock_add_rule, ruleset, RULE_PATH_BENEATH, &beneath, 0)) {
        perror("landlock_add_rule");
        exit(2);
    }
    close(beneath.parent_fd);
    /* Programs and their libraries stay readable, so that an executed one can start. */
    struct path_beneath_attr usr = {.allowed_access = FS_READ_FILE | FS_READ_DIR,
            .parent_fd = open("/usr", O_PATH | O_CLOEXEC)};
    if (syscall(SYS_landlock_add_rule, ruleset, RULE_PATH_BENEATH, &usr, 0)) {
        perror("landlock_add_rule /usr");
        exit(2);
    }
    close(usr.parent_fd);
    /* /proc is readable too: a program reads its own maps (glibc does, for a thread's stack). */
    struct path_beneath_attr proc = {.allowed_access = FS_READ_FILE, .parent_fd = open("/proc", O_PATH | O_CLOEXEC)};
    if (syscall(SYS_landlock_add_rule, ruleset, RULE_PATH_BENEATH, &proc, 0)) {
        perror("landlock_add_rule /proc");
        exit(2);
    }
    close(proc.parent_fd);
    confine(ruleset);
}

static int started, confined;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;

/* A thread started before the main thread confines itself: Landlock leaves it free. */
static void *sibling(void *unused) {
    (void) unused;
    pthread_mutex_lock(&lock);
    started = 1;
    pthread_cond_broadcast(&changed);
    while (!confined) {
        pthread_cond_wait(&changed, &lock);
    }
    pthread_mutex_unlock(&lock);
    try_open("an unconfined sibling thread reads outside", "outside/f", O_RDONLY);
    return NULL;
}

/* A thread that gives itself a descriptor table of its own, then confines itself. */
static void *own_table(void *unused) {
    (void) unused;
    if (unshare(CLONE_FILES)) {
        perror("unshare(CLONE_FILES)");
        exit(2);
    }
    for (int i = 0; i < 20; i++) { /* its ruleset's number: one its process's table does not have */
        dup(0);
    }
    confine_to_inside();
    try_open("a thread with a descriptor table of its own reads outside", "outside/f", O_RDONLY);
    return NULL;
}

/* A thread that confines itself once its process's first thread has exited (not the process). */
static void *leaderless(void *unused) {
    (void) unused;
    char leader[64], text[4096];
    snprintf(leader, sizeof leader, "/proc/%d/task/%d/status", (int) getpid(), (int) getpid());
    for (int i = 0; i < 200; i++) {
        int fd = open(leader, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd < 0 ? 0 : read(fd, text, sizeof text - 1);
        if (fd >= 0) {
            close(fd);
        }
        text[n > 0 ? n : 0] = 0;
        if (fd < 0 || strstr(text, "State:\tZ")) {
            break;
        }
        usleep(10000);
    }
    confine_to_inside();
    try_open("a thread whose process's first thread exited reads outside", "outside/f", O_RDONLY);
    exit(0);
}

/* Runs {@code thread} in a child process, whose first thread ends at once when {@code leave}. */
static void in_a_child(void *(*thread)(void *), int leave) {
    pid_t child = fork();
    if (child == 0) {
        pthread_t t;
        pthread_create(&t, NULL, thread, NULL);
        if (leave) {
            syscall(SYS_exit, 0);
        }
        pthread_join(t, NULL);
        _exit(0);
    }
    int st;
    waitpid(child, &st, 0);
}

static int files(void) {
    in_a_child(own_table, 0);
    in_a_child(leaderless, 1);
    pthread_t t;
    pthread_create(&t, NULL, sibling, NULL);
    pthread_mutex_lock(&lock);
    while (!started) {
        pthread_cond_wait(&changed, &lock);
    }
    pthread_mutex_unlock(&lock);

    confine_to_inside();
    try_open("read inside", "inside/f", O_RDONLY);
    try_open("read outside", "outside/f", O_RDONLY);
    try_open("write outside", "outside/f", O_WRONLY);
    try_open("create inside", "inside/new", O_WRONLY | O_CREAT | O_EXCL);
    try_open("create outside", "outside/new", O_WRONLY | O_CREAT | O_EXCL);
    try_open("read outside through ..", "inside/../outside/f", O_RDONLY);
    try_open("list outside", "outside", O_RDONLY | O_DIRECTORY);
    if (abi() >= 3) {
        try_open("truncate inside", "inside/f", O_WRONLY | O_TRUNC);
    }

    try_open("read its own /proc/self/maps", "/proc/self/maps", O_RDONLY);
    try_open("read its own /proc/self/environ", "/proc/self/environ", O_RDONLY);
    try_open("write its own /proc/self/mem", "/proc/self/mem", O_RDWR);
    try_open("read init's /proc/1/maps", "/proc/1/maps", O_RDONLY);

    char path[8192];
    snprintf(path, sizeof path, "%s/outside/f", dir);
    int handle = open(path, O_PATH | O_CLOEXEC);
    said("O_PATH outside (not checked by Landlock)", handle);
    char again[64];
    snprintf(again, sizeof again, "/proc/self/fd/%d", handle);
    int fd = open(again, O_RDONLY);
    said("reopen it for reading through /proc/self/fd", fd);

    char from[8192], to[8192];
    snprintf(from, sizeof from, "%s/inside/new", dir);
    snprintf(to, sizeof to, "%s/outside/moved", dir);
    said("rename inside to outside", rename(from, to));
    snprintf(to, sizeof to, "%s/inside/moved", dir);
    said("rename within inside", rename(from, to));

    pid_t child = fork();
    if (child == 0) {
        char parents[64];
        snprintf(parents, sizeof parents, "/proc/%d/maps", (int) getppid());
        try_open("a child reads its parent's maps (one domain)", parents, O_RDONLY);
        try_open("a child reads inside", "inside/f", O_RDONLY);
        try_open("a child reads outside", "outside/f", O_RDONLY);
        pid_t grandchild = fork();
        if (grandchild == 0) {
            execl("/bin/cat", "cat", path, (char *) NULL);
            _exit(127);
        }
        int st;
        waitpid(grandchild, &st, 0);
        printf("an executed cat reads outside: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        fflush(stdout);
        confine_to_inside(); /* a domain nested in its parent's */
        try_open("a further confined child reads its own maps", "/proc/self/maps", O_RDONLY);
        _exit(0);
    }
    int st;
    waitpid(child, &st, 0);

    pthread_mutex_lock(&lock);
    confined = 1;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    return 0;
}

static int listener(struct sockaddr_in *at) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    socklen_t len = sizeof *at;
    memset(at, 0, sizeof *at);
    at->sin_family = AF_INET;
    at->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || bind(s, (struct sockaddr *) at, sizeof *at) || listen(s, 4)
            || getsockname(s, (struct sockaddr *) at, &len)) {
        perror("listener");
        exit(2);
    }
    return s;
}

static void try_connect(const char *what, struct sockaddr_in *at) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    said(what, connect(s, (struct sockaddr *) at, sizeof *at));
    close(s);
}

static int tcp(void) {
    if (abi() < 4) {
        printf("Landlock ABI %d: no TCP rules\n", abi());
        return 3;
    }
    struct sockaddr_in granted, other;
    listener(&granted);
    listener(&other);
    struct ruleset_attr attr = {.handled_access_net = NET_CONNECT_TCP};
    int ruleset = (int) syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
    struct net_port_attr port = {.allowed_access = NET_CONNECT_TCP,
            .port = ntohs(granted.sin_port)};
    if (ruleset < 0 || syscall(SYS_landlock_add_rule, ruleset, RULE_NET_PORT, &port, 0)) {
        perror("landlock ruleset");
        exit(2);
    }
    confine(ruleset);
    try_connect("connect to the granted port", &granted);
    try_connect("connect to another port", &other);
    return 0;
}

/*
 * 100 children each stack 16 layers (rulesets handling only the making of FIFOs) and stay alive
 * while the parent reads DIR/inside/f.
 */
static int layers(void) {
    int hold[2], told[2];
    if (pipe(hold) || pipe(told)) {
        perror("pipe");
        return 2;
    }
    for (int i = 0; i < 100; i++) {
        if (fork() == 0) {
            close(hold[1]);
            char refused = 0;
            for (int layer = 0; layer < 16; layer++) {
                struct ruleset_attr attr = {.handled_access_fs = 1ULL << 10}; /* MAKE_FIFO */
                int ruleset = (int) syscall(SYS_landlock_create_ruleset, &attr, sizeof attr.handled_access_fs, 0);
                if (ruleset < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
                        || syscall(SYS_landlock_restrict_self, ruleset, 0)) {
                    refused = 1;
                }
                close(ruleset);
            }
            if (write(told[1], &refused, 1) != 1) {
                _exit(2);
            }
            char c;
            while (read(hold[0], &c, 1) > 0) {
            }
            _exit(0);
        }
    }
    close(told[1]);
    int refusals = 0;
    char r;
    for (int i = 0; i < 100 && read(told[0], &r, 1) == 1; i++) {
        refusals += r;
    }
    try_open("read inside while 100 children hold 16 layers each", "inside/f", O_RDONLY);
    printf("children refused a layer: %s\n", refusals ? "some" : "none");
    close(hold[1]);
    while (wait(NULL) > 0) {
    }
    return 0;
}

/* A ruleset handling file reads, granting them beneath DIR/NAME; exits on failure. */
static int reads_beneath(const char *name) {
    struct ruleset_attr attr = {.handled_access_fs = FS_READ_FILE};
    int ruleset = (int) syscall(SYS_landlock_create_ruleset, &attr, sizeof attr.handled_access_fs, 0);
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct path_beneath_attr beneath = {.allowed_access = FS_READ_FILE, .parent_fd = open(path, O_PATH | O_CLOEXEC)};
    if (ruleset < 0 || syscall(SYS_landlock_add_rule, ruleset, RULE_PATH_BENEATH, &beneath, 0)) {
        perror("landlock ruleset");
        exit(2);
    }
    close(beneath.parent_fd);
    return ruleset;
}

/*
 * Confines itself to reading DIR/inside, then adds DIR/outside to the same ruleset: the domain is
 * what the ruleset held at the restrict, so outside stays refused, to it, to a child, and under a
 * second layer made from the widened ruleset.
 */
static int widen(void) {
    int ruleset = reads_beneath("inside");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_landlock_restrict_self, ruleset, 0)) {
        perror("landlock_restrict_self");
        return 2;
    }
    char outside[8192];
    snprintf(outside, sizeof outside, "%s/outside", dir);
    struct path_beneath_attr more = {.allowed_access = FS_READ_FILE, .parent_fd = open(outside, O_PATH | O_CLOEXEC)};
    said("add outside to the ruleset after the restrict",
            (int) syscall(SYS_landlock_add_rule, ruleset, RULE_PATH_BENEATH, &more, 0));
    try_open("read outside", "outside/f", O_RDONLY);
    try_open("read inside", "inside/f", O_RDONLY);
    pid_t child = fork();
    if (child == 0) {
        try_open("a child reads outside", "outside/f", O_RDONLY);
        _exit(0);
    }
    waitpid(child, NULL, 0);
    said("a second layer from the widened ruleset", (int) syscall(SYS_landlock_restrict_self, ruleset, 0));
    try_open("read outside under both", "outside/f", O_RDONLY);
    return 0;
}

/* Stacks 16 layers on the calling thread, counting those refused in *refused. */
static void *stack_layers(void *refused) {
    for (int layer = 0; layer < 16; layer++) {
        struct ruleset_attr attr = {.handled_access_fs = 1ULL << 10}; /* MAKE_FIFO */
        int ruleset = (int) syscall(SYS_landlock_create_ruleset, &attr, sizeof attr.handled_access_fs, 0);
        if (ruleset < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_landlock_restrict_self, ruleset, 0)) {
            ++*(int *) refused;
        }
        close(ruleset);
    }
    return NULL;
}

/* 200 threads in turn stack 16 layers each and exit; then the main thread confines itself to DIR/inside. */
static int churn(void) {
    int refused = 0;
    for (int i = 0; i < 200; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, stack_layers, &refused) || pthread_join(t, NULL)) {
            perror("pthread");
            return 2;
        }
    }
    printf("layers refused to 200 threads stacking 16 each: %d\n", refused);
    int ruleset = reads_beneath("inside");
    said("then a restrict", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ? -1
            : (int) syscall(SYS_landlock_restrict_self, ruleset, 0));
    try_open("read inside", "inside/f", O_RDONLY);
    try_open("read outside", "outside/f", O_RDONLY);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: landlocked DIR files|tcp|layers|widen|churn\n");
        return 2;
    }
    if (abi() < 1) {
        printf("Landlock: %s\n", strerror(errno));
        return 3;
    }
    snprintf(dir, sizeof dir, "%s", argv[1]);
    if (strcmp(argv[2], "files") == 0) {
        return files();
    }
    if (strcmp(argv[2], "tcp") == 0) {
        return tcp();
    }
    if (strcmp(argv[2], "layers") == 0) {
        return layers();
    }
    if (strcmp(argv[2], "widen") == 0) {
        return widen();
    }
    if (strcmp(argv[2], "churn") == 0) {
        return churn();
    }
    fprintf(stderr, "unknown mode %s\n", argv[2]);
    return 2;
}

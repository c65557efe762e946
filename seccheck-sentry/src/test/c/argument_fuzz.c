/* argument_fuzz: makes COUNT calls, drawn from SEED, of the syscalls seccheck performs for a program
 * (opens, the calls on names and attributes, connects, binds, sends, accepts, the socket options it
 * holds), with the arguments a hostile program would pass: pointers to nothing, into the kernel, to a
 * page it may not read;
 * strings and structures that run into that page; lengths and counts at and past their limits;
 * flags with unknown bits; descriptors of every kind; messages whose records lie about their
 * lengths. Prints one line per call: what was passed (by name, never an address or a port, which
 * differ from run to run) and what came back (an fd described, a count, or the errno's name).
 *
 * Usage: argument_fuzz SEED COUNT [KINDS], in an empty scratch directory; KINDS names the calls
 * made, a comma-separated list of opens, names and net (all three by default). With
 * ARGUMENT_FUZZ_LISTABLE=1 in the environment, a rename that would move a directory tree the
 * user cannot list whole is not made (its line says so): for a run as a user without privilege
 * under a policy that holds renames, which refuses those on purpose (EPERM). Its output must be the same
 * natively and under seccheck (EmulationFuzzTest). Every name it can reach stays inside the scratch
 * directory (symlink targets included), its traffic stays on loopback and on sockets of its own,
 * and it never makes a FIFO, a device other than the null device, or a netlink or raw socket: it
 * runs as root in CI. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_draws.h"
#include "fuzz_lines.h"


/* Two pages, the second unreadable: memory that ends where the program says it goes on. */
static char *edge_page;

/* A pointer to the last N readable bytes before the unreadable page. */
static char *at_edge(size_t n) { return edge_page + 4096 - n; }

static char big[1 << 17];
static char cwd_path[4096];

/* The fds set up before the first call, named in the output by what they are. */
static int dir_fd, file_fd, path_fd, udp_rx, tcp_listener, unix_listener, unix_dgram;
static struct sockaddr_in tcp_addr, udp_addr, closed_addr;
static int closed_holder;

/* ---------------------------------------------------------------------------------------------- */
/* Pointers, names, descriptors */

/* A pointer the kernel must refuse, or NULL when the draw gave none (the caller then passes its own). */
static void *bad_pointer(void) {
    switch (below(5)) {
        case 0: say("NULL"); return (void *)0;
        case 1: say("ptr(1)"); return (void *)1;
        case 2: say("ptr(kernel)"); return (void *)0xffff800000001000ul;
        case 3: say("ptr(unreadable)"); return edge_page + 4096;
        default: say("ptr(-1)"); return (void *)-1l;
    }
}

static const char *const names[] = {"f", "d", "s", "sd", "n1", "n2", "d/n3", "d/../f", "sd/../n1", "missing",
                                    "missing/x", "f/", "d/", "f/x", "loop", "sock", "bsock", "", ".", "d/.",
                                    "./n1", "/proc/self/cwd/n2"};
#define NAMES (sizeof names / sizeof *names)

/* A path a call on names may be given: never above the scratch directory, never a device. */
static const char *name_path(void) {
    switch (below(24)) {
        case 0: {
            char *p = at_edge(2);
            p[0] = 'f';
            p[1] = 'f';
            say("\"ff\"(unterminated)");
            return p;
        }
        case 1: {
            char *p = at_edge(3);
            memcpy(p, "n1", 3);
            say("\"n1\"(at edge)");
            return p;
        }
        case 2: {
            static char longp[4300];
            unsigned reps = below(3) == 0 ? 2100 : 2046;
            for (unsigned i = 0; i < reps; i++) memcpy(longp + 2 * i, "./", 2);
            strcpy(longp + 2 * reps, "n2");
            say("\"./\"x%u\"n2\"", reps);
            return longp;
        }
        case 3: {
            static char comp[300];
            memset(comp, 'c', 256);
            comp[256] = 0;
            say("256-byte name");
            return comp;
        }
        case 4: {
            static char abs_path[4200];
            const char *rel = names[below(NAMES)];
            snprintf(abs_path, sizeof abs_path, "%s/%s", cwd_path, rel);
            say("cwd/\"%s\"", rel);
            return abs_path;
        }
        case 5:
            if (one_in(3)) return bad_pointer();
            /* fall through */
        default: {
            const char *n = names[below(NAMES)];
            say("\"%s\"", n);
            return n;
        }
    }
}

/* A path an open may be given: those above, and the null device, the directory's magic link, "..". */
static const char *open_path(void) {
    static char magic[64];
    switch (below(11)) {
        case 0: say("\"/dev/null\""); return "/dev/null";
        case 1:
            snprintf(magic, sizeof magic, "/proc/self/fd/%d", dir_fd);
            say("\"/proc/self/fd/<d>\"");
            return magic;
        case 2:
            snprintf(magic, sizeof magic, "/proc/self/fd/%d/../f", dir_fd);
            say("\"/proc/self/fd/<d>/../f\"");
            return magic;
        case 3: say("\"..\""); return "..";
        case 4: {
            static const char *const procs[] = {"/proc/self", "/proc/thread-self", "/proc/self/", "/proc/self/cwd"};
            const char *p = procs[below(4)];
            say("\"%s\"", p);
            return p;
        }
        default: return name_path();
    }
}

/* A directory fd: AT_FDCWD, the scratch directory's subdirectory, a file, an O_PATH fd, none. */
static int dirfd_arg(void) {
    switch (below(8)) {
        case 0: say("<d>"); return dir_fd;
        case 1: say("<file>"); return file_fd;
        case 2: say("<path d>"); return path_fd;
        case 3: say("-1"); return -1;
        case 4: say("9999"); return 9999;
        case 5: say("<socket>"); return udp_rx;
        default: say("AT_FDCWD"); return AT_FDCWD;
    }
}

static int open_flags(void) {
    static const int bits[] = {O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_NONBLOCK, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC,
                               O_PATH, O_TMPFILE, O_NOCTTY, O_SYNC, O_DIRECT, O_NOATIME, O_LARGEFILE, 010000000000,
                               0100000000};
    int f = (int)below(4);
    for (unsigned i = 0; i < sizeof bits / sizeof *bits; i++) {
        if (one_in(i < 15 ? 7 : 25)) f |= bits[i];
    }
    say("0%o", f);
    return f;
}

static unsigned mode_arg(void) {
    unsigned m = below(010000);
    if (one_in(8)) m |= 1u << (12 + below(20));
    say("0%o", m);
    return m;
}

/* ---------------------------------------------------------------------------------------------- */
/* Results */

static void fd_result(long r, int err) {
    if (r < 0) {
        printf("%s = %s\n", what, strerrorname_np(err));
        return;
    }
    struct stat st;
    int fl = fcntl((int)r, F_GETFL);
    int fdf = fcntl((int)r, F_GETFD);
    if (fstat((int)r, &st) < 0) {
        printf("%s = fd %ld fstat %s\n", what, r, strerrorname_np(errno));
    } else {
        printf("%s = fd %ld type=%o perm=%04o fl=%o cloexec=%d size=%ld\n", what, r, st.st_mode & S_IFMT,
               st.st_mode & 07777, fl, fdf & FD_CLOEXEC, S_ISREG(st.st_mode) ? (long)st.st_size : 0l);
    }
    close((int)r);
}

static void count_result(long r, int err) {
    if (r < 0) printf("%s = %s\n", what, strerrorname_np(err));
    else printf("%s = %ld\n", what, r);
}

/* ---------------------------------------------------------------------------------------------- */
/* Opens */

/* Draws an open's path, flags and mode, in that order, saying each. */
static void open_args(const char **p, int *f, unsigned *m) {
    *p = open_path();
    say(", ");
    *f = open_flags();
    say(", ");
    *m = mode_arg();
    say(")");
}

static void fuzz_open(void) {
    long r;
    const char *p;
    int f;
    unsigned m;
    switch (below(4)) {
        case 0: {
            say("open(");
            open_args(&p, &f, &m);
            r = syscall(SYS_open, p, f, m);
            break;
        }
        case 1: {
            say("creat(");
            p = open_path();
            say(", ");
            m = mode_arg();
            say(")");
            r = syscall(SYS_creat, p, m);
            break;
        }
        case 2: {
            say("openat(");
            int d = dirfd_arg();
            say(", ");
            open_args(&p, &f, &m);
            r = syscall(SYS_openat, d, p, f, m);
            break;
        }
        default: {
            say("openat2(");
            int d = dirfd_arg();
            say(", ");
            p = open_path();
            say(", how{");
            struct open_how how = {0};
            how.flags = (unsigned)open_flags();
            if (!one_in(3)) {
                /* Mostly flags openat2 takes, so that the calls get past its checks. */
                how.flags &= ~(unsigned)(010000000000 | 0100000000);
                if (how.flags & O_PATH) how.flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
                say("(valid 0%llo)", (unsigned long long)how.flags);
            }
            int creating = (how.flags & O_CREAT) || (how.flags & O_TMPFILE) == O_TMPFILE;
            if (one_in(10)) {
                how.flags |= 1ull << (32 + below(32));
                say("|high");
            }
            say(", ");
            how.mode = creating || one_in(8) ? mode_arg() : (say("0"), 0);
            if (creating && !one_in(4)) how.mode &= 07777;
            static const uint64_t resolves[] = {RESOLVE_NO_XDEV, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS,
                                                RESOLVE_BENEATH, RESOLVE_IN_ROOT, RESOLVE_CACHED, 0x40, 1ull << 40};
            for (unsigned i = 0; i < sizeof resolves / sizeof *resolves; i++) {
                if (one_in(i < 6 ? 5 : 40)) how.resolve |= resolves[i];
            }
            say(", 0x%llx}", (unsigned long long)how.resolve);
            static const size_t sizes[] = {24, 24, 24, 0, 8, 23, 32, 32, 4096, 4097, 1 << 20};
            unsigned si = below(sizeof sizes / sizeof *sizes);
            if (!one_in(3)) si = 0;
            size_t size = sizes[si];
            void *where;
            say(" size %zu%s at ", size, si == 7 ? " nonzero tail" : "");
            switch (below(12)) {
                case 0: where = bad_pointer(); break;
                case 1: {
                    /* The structure in the last bytes before the unreadable page. */
                    size_t room = below(2) ? 24 : 16;
                    where = at_edge(room);
                    memcpy(where, &how, room);
                    say("edge(%zu)", room);
                    break;
                }
                default: {
                    char *b = big;
                    memset(b, 0, 8192);
                    memcpy(b, &how, sizeof how);
                    if (si == 7) b[28] = 1;
                    where = b;
                    say("buffer");
                }
            }
            say(")");
            r = syscall(SYS_openat2, d, p, where, size);
            if (r < 0 && errno == EAGAIN && (how.resolve & RESOLVE_CACHED) && (where == big || where == at_edge(24))) {
                /* What the kernel serves from its caches alone is its own business: EAGAIN there
                   asks the caller to try again without RESOLVE_CACHED, as a program does. Only
                   the answer it then gets is compared. */
                ((struct open_how *)where)->resolve &= ~(uint64_t)RESOLVE_CACHED;
                r = syscall(SYS_openat2, d, p, where, size);
            }
        }
    }
    fd_result(r, errno);
}

/* ---------------------------------------------------------------------------------------------- */
/* Calls on names and attributes */

/* Whether every directory of the tree at FD (a directory) can be read; FD is closed. */
static int listable_tree(int fd) {
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return 0;
    }
    int ok = 1;
    for (struct dirent *e; ok && (e = readdir(d));) {
        if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        ok = sub >= 0 && listable_tree(sub);
    }
    closedir(d);
    return ok;
}

/* Whether the name PATH from DIRFD is a directory (not followed) whose tree cannot be read whole. */
static int unlistable(int dirfd, const char *path) {
    struct stat st;
    if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)) return 0;
    int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return fd < 0 || !listable_tree(fd);
}

static int keep_listable;

/* In the listable mode, whether a rename is left out: it would move a tree that cannot be listed. */
static int skipped(int d1, const char *a, int d2, const char *b, int exchange) {
    if (!keep_listable || (uintptr_t)a < 4096 || (uintptr_t)a >= 0x7ffffffff000ul) return 0;
    if (!unlistable(d1, a) && !(exchange && (uintptr_t)b >= 4096 && (uintptr_t)b < 0x7ffffffff000ul && unlistable(d2, b))) {
        return 0;
    }
    printf("%s = not made: it would move a tree that cannot be listed\n", what);
    return 1;
}


static void fuzz_names(void) {
    long r;
    const char *a, *b;
    int d1, d2, flags;
    switch (below(16)) {
        case 0:
            say("rename(");
            a = name_path(); say(", "); b = name_path(); say(")");
            if (skipped(AT_FDCWD, a, AT_FDCWD, b, 0)) return;
            r = syscall(SYS_rename, a, b);
            break;
        case 1:
            say("renameat2(");
            d1 = dirfd_arg(); say(", "); a = name_path(); say(", ");
            d2 = dirfd_arg(); say(", "); b = name_path();
            flags = (int)below(8) | (one_in(10) ? 0x100 : 0); /* NOREPLACE, EXCHANGE, WHITEOUT, unknown */
            say(", 0x%x)", flags);
            if (skipped(d1, a, d2, b, flags & RENAME_EXCHANGE)) return;
            r = syscall(SYS_renameat2, d1, a, d2, b, flags);
            break;
        case 2: say("link("); a = name_path(); say(", "); b = name_path(); say(")"); r = syscall(SYS_link, a, b); break;
        case 3:
            say("linkat(");
            d1 = dirfd_arg(); say(", "); a = name_path(); say(", ");
            d2 = dirfd_arg(); say(", "); b = name_path();
            flags = (one_in(3) ? AT_SYMLINK_FOLLOW : 0) | (one_in(4) ? AT_EMPTY_PATH : 0) | (one_in(10) ? 0x1 : 0);
            say(", 0x%x)", flags);
            r = syscall(SYS_linkat, d1, a, d2, b, flags);
            break;
        case 4: say("unlink("); a = name_path(); say(")"); r = syscall(SYS_unlink, a); break;
        case 5:
            say("unlinkat(");
            d1 = dirfd_arg(); say(", "); a = name_path();
            flags = one_in(2) ? AT_REMOVEDIR : one_in(5) ? 0x1 : 0;
            say(", 0x%x)", flags);
            r = syscall(SYS_unlinkat, d1, a, flags);
            break;
        case 6: say("rmdir("); a = name_path(); say(")"); r = syscall(SYS_rmdir, a); break;
        case 7: {
            say("mkdirat(");
            d1 = dirfd_arg(); say(", "); a = name_path(); say(", ");
            unsigned m = mode_arg();
            say(")");
            r = syscall(SYS_mkdirat, d1, a, m);
            break;
        }
        case 8: {
            /* Regular files, sockets, the null device, and types the kernel refuses; never a FIFO. */
            static const unsigned types[] = {0, S_IFREG, S_IFSOCK, S_IFCHR, S_IFDIR, 0170000};
            unsigned t = types[below(sizeof types / sizeof *types)];
            unsigned perm = below(010000);
            say("mknod(");
            a = name_path();
            say(", 0%o|0%o, null)", t, perm);
            r = syscall(SYS_mknod, a, t | perm, makedev(1, 3));
            break;
        }
        case 9: {
            static const char *const targets[] = {"f", "d", "missing", "sd/../f", "loop", "", "n1", "d/n3"};
            const char *t = targets[below(sizeof targets / sizeof *targets)];
            say("symlink(\"%s\", ", t);
            a = name_path();
            say(")");
            r = syscall(SYS_symlink, t, a);
            break;
        }
        case 10: {
            static const long lengths[] = {0, 5, 4096, -1, 1l << 62};
            long len = lengths[below(sizeof lengths / sizeof *lengths)];
            say("truncate(");
            a = name_path();
            say(", %ld)", len);
            r = syscall(SYS_truncate, a, len);
            break;
        }
        case 11: {
            say("fchmodat(");
            d1 = dirfd_arg(); say(", "); a = name_path(); say(", ");
            unsigned m = mode_arg();
            flags = one_in(4) ? AT_SYMLINK_NOFOLLOW : 0;
            say(", 0x%x)", flags);
            r = syscall(SYS_fchmodat, d1, a, m, flags);
            break;
        }
        case 12: {
            static const int ids[] = {-1, 0, 65534, 1000};
            int uid = ids[below(4)], gid = ids[below(4)];
            say("fchownat(");
            d1 = dirfd_arg(); say(", "); a = name_path();
            flags = (one_in(3) ? AT_SYMLINK_NOFOLLOW : 0) | (one_in(5) ? AT_EMPTY_PATH : 0);
            say(", %d, %d, 0x%x)", uid, gid, flags);
            r = syscall(SYS_fchownat, d1, a, uid, gid, flags);
            break;
        }
        case 13: {
            static const char *const attrs[] = {"user.a", "user.b", "trusted.t", "security.x", "bogus.n", "user.", ""};
            const char *n = attrs[below(sizeof attrs / sizeof *attrs)];
            static const size_t sizes[] = {0, 1, 5, 65536, 65537};
            size_t size = sizes[below(5)];
            flags = (int)below(4);
            int l = one_in(2);
            say("%ssetxattr(", l ? "l" : "");
            a = name_path();
            say(", \"%s\", %zu bytes, %d)", n, size, flags);
            r = syscall(l ? SYS_lsetxattr : SYS_setxattr, a, n, big, size, flags);
            break;
        }
        case 14: {
            say("removexattr(");
            a = name_path();
            say(", \"user.a\")");
            r = syscall(SYS_removexattr, a, "user.a");
            break;
        }
        default: {
            say("utimensat(");
            d1 = dirfd_arg(); say(", ");
            a = one_in(6) ? (say("NULL"), NULL) : name_path();
            struct timespec ts[2] = {{1, 0}, {2, 0}};
            static const long nsecs[] = {0, UTIME_NOW, UTIME_OMIT, 999999999, 1000000000, -1};
            ts[0].tv_nsec = nsecs[below(6)];
            ts[1].tv_nsec = nsecs[below(6)];
            void *times = ts;
            if (one_in(4)) times = (say(", NULL times"), NULL);
            else if (one_in(5)) { say(", "); times = bad_pointer(); }
            else say(", {%ld, %ld}", ts[0].tv_nsec, ts[1].tv_nsec);
            flags = one_in(3) ? AT_SYMLINK_NOFOLLOW : one_in(6) ? AT_EMPTY_PATH : 0;
            say(", 0x%x)", flags);
            r = syscall(SYS_utimensat, d1, a, times, flags);
        }
    }
    count_result(r, errno);
}

/* ---------------------------------------------------------------------------------------------- */
/* Sockets and addresses */

/* A socket of the kinds the network calls take, in one of the states they meet: fresh, connected to
   a peer of the program's own, bound; or an fd that is no socket. Sets *KIND to what it is. */
static int stream;

static int socket_arg(int *kind) {
    static const struct { int domain, type; const char *name; } kinds[] = {
        {AF_INET, SOCK_STREAM, "tcp"}, {AF_INET, SOCK_STREAM | SOCK_NONBLOCK, "tcp-nb"}, {AF_INET, SOCK_DGRAM, "udp"},
        {AF_INET6, SOCK_STREAM, "tcp6"}, {AF_INET6, SOCK_DGRAM, "udp6"}, {AF_UNIX, SOCK_STREAM, "unix"},
        {AF_UNIX, SOCK_DGRAM, "unix-dgram"}, {AF_UNIX, SOCK_SEQPACKET, "unix-seq"}};
    unsigned k = below(9);
    stream = 0;
    if (k == 8) {
        *kind = -1;
        switch (below(4)) {
            case 0: say("<file>"); return dup(file_fd);
            case 1: say("-1"); return -1;
            case 2: say("<path d>"); return dup(path_fd);
            default: say("9999"); return 9999;
        }
    }
    *kind = (int)k;
    stream = (kinds[k].type & 0xf) == SOCK_STREAM;
    int s = socket(kinds[k].domain, kinds[k].type, 0);
    say("%s", kinds[k].name);
    if (one_in(3)) {
        /* Connected to a peer of its own. */
        int rc = -1;
        if (kinds[k].domain == AF_UNIX) {
            struct sockaddr_un u = {.sun_family = AF_UNIX};
            strcpy(u.sun_path, (kinds[k].type & 0xf) == SOCK_DGRAM ? "dsock" : "sock");
            rc = connect(s, (struct sockaddr *)&u, sizeof u);
        } else if (kinds[k].domain == AF_INET) {
            struct sockaddr_in *a = (kinds[k].type & 0xf) == SOCK_DGRAM ? &udp_addr : &tcp_addr;
            rc = connect(s, (struct sockaddr *)a, sizeof *a);
        } else {
            /* The program's peers listen on IPv4: an IPv6 socket reaches them at the mapped address. */
            struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
            inet_pton(AF_INET6, "::ffff:127.0.0.1", &a6.sin6_addr);
            a6.sin6_port = (kinds[k].type & 0xf) == SOCK_DGRAM ? udp_addr.sin_port : tcp_addr.sin_port;
            rc = connect(s, (struct sockaddr *)&a6, sizeof a6);
        }
        if (rc < 0 && errno == EINPROGRESS) {
            /* Established before the call, so that what a send gets does not depend on when. */
            struct pollfd p = {.fd = s, .events = POLLOUT};
            rc = poll(&p, 1, 5000) == 1 ? 0 : -1;
        }
        say("(connected%s)", rc == 0 ? "" : " failed");
    } else if (one_in(4) && kinds[k].domain != AF_UNIX) {
        struct sockaddr_in6 any = {.sin6_family = (sa_family_t)kinds[k].domain};
        bind(s, (struct sockaddr *)&any, kinds[k].domain == AF_INET ? sizeof(struct sockaddr_in) : sizeof any);
        say("(bound)");
    }
    return s;
}

static union {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
    struct sockaddr_un un;
    char bytes[256];
} addr;

/* Fills ADDR with an address that stays on this machine and returns its natural length. */
static socklen_t make_address(void) {
    memset(&addr, 0, sizeof addr);
    switch (below(8)) {
        case 0: case 1: {
            addr.in.sin_family = AF_INET;
            static const char *const ips[] = {"127.0.0.1", "0.0.0.0", "127.0.0.2"};
            const char *ip = ips[below(3)];
            inet_pton(AF_INET, ip, &addr.in.sin_addr);
            static const char *const ports[] = {"tcp", "udp", "0", "closed"};
            unsigned p = below(4);
            addr.in.sin_port = p == 0 ? tcp_addr.sin_port : p == 1 ? udp_addr.sin_port : p == 2 ? 0 : closed_addr.sin_port;
            say("inet %s:%s", ip, ports[p]);
            return sizeof addr.in;
        }
        case 2: case 3: {
            addr.in6.sin6_family = AF_INET6;
            static const char *const ips[] = {"::1", "::", "::ffff:127.0.0.1", "::ffff:0.0.0.0"};
            const char *ip = ips[below(4)];
            inet_pton(AF_INET6, ip, &addr.in6.sin6_addr);
            unsigned p = below(3);
            addr.in6.sin6_port = p == 0 ? tcp_addr.sin_port : p == 1 ? udp_addr.sin_port : closed_addr.sin_port;
            if (one_in(4)) addr.in6.sin6_scope_id = below(2);
            if (one_in(4)) addr.in6.sin6_flowinfo = htonl(below(1 << 20));
            say("inet6 [%s]:%s scope %u flow %u", ip, p == 0 ? "tcp" : p == 1 ? "udp" : "closed", addr.in6.sin6_scope_id,
                ntohl(addr.in6.sin6_flowinfo));
            return sizeof addr.in6;
        }
        case 4: case 5: {
            addr.un.sun_family = AF_UNIX;
            static const char *const paths[] = {"sock", "dsock", "bsock", "missing", "d/../sock", "/proc/self/cwd/dsock",
                                                "f", "d", "loop", "s"};
            unsigned which = below(12);
            if (which == 10) {
                memset(addr.un.sun_path, 'u', sizeof addr.un.sun_path);
                say("unix 108 bytes");
                return sizeof addr.un;
            }
            if (which == 11) {
                snprintf(addr.un.sun_path + 1, sizeof addr.un.sun_path - 1, "seccheck-fuzz-%d", (int)below(3));
                say("unix abstract %s", addr.un.sun_path + 1);
                return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(addr.un.sun_path + 1));
            }
            strcpy(addr.un.sun_path, paths[which]);
            say("unix \"%s\"", paths[which]);
            return sizeof addr.un;
        }
        case 6: {
            static const int families[] = {AF_UNSPEC, AF_NETLINK, AF_PACKET, AF_INET + 256, 0xffff, AF_BLUETOOTH};
            int fam = families[below(6)];
            addr.sa.sa_family = (sa_family_t)fam;
            addr.in.sin_port = tcp_addr.sin_port;
            addr.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            say("family %d", fam);
            return sizeof addr.in6;
        }
        default: {
            /* A family-less scrap: random bytes after a loopback IPv4 address. */
            addr.in.sin_family = AF_INET;
            addr.in.sin_port = closed_addr.sin_port;
            addr.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            for (unsigned i = 8; i < sizeof addr.bytes; i++) addr.bytes[i] = (char)next();
            say("inet loopback:closed + noise");
            return sizeof addr.in;
        }
    }
}

/* An address argument and its length: natural, cut, stretched, or a bad pointer. */
static void *address_arg(socklen_t *len) {
    socklen_t natural = make_address();
    static const int lens[] = {0, 1, 2, 3, 7, 15, 16, 20, 24, 27, 28, 110, 111, 128, 129, 4096, -5};
    int l = one_in(3) ? lens[below(sizeof lens / sizeof *lens)] : -1;
    *len = l == -1 ? natural : (socklen_t)l;
    say(" len %d", (int)*len);
    switch (below(16)) {
        case 0: say(" at "); return bad_pointer();
        case 1: {
            /* The address in the last bytes before the unreadable page. */
            size_t room = natural < 16 ? natural : 16;
            char *p = at_edge(room);
            memcpy(p, addr.bytes, room);
            say(" at edge(%zu)", room);
            return p;
        }
        default: return &addr;
    }
}

/* Empties the program's own receivers, so that no send waits for room and no connect for backlog. */
static void drain(void) {
    char buf[512];
    union { char b[CMSG_SPACE(64 * sizeof(int))]; struct cmsghdr align; } ctl;
    for (;;) {
        int c = accept4(tcp_listener, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) break;
        close(c);
    }
    for (;;) {
        int c = accept4(unix_listener, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) break;
        close(c);
    }
    while (recv(udp_rx, buf, sizeof buf, MSG_DONTWAIT) >= 0) {}
    for (;;) {
        struct iovec iov = {buf, sizeof buf};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof ctl.b};
        if (recvmsg(unix_dgram, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 0) break;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                int *fds = (int *)CMSG_DATA(c);
                for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) close(fds[i]);
            }
        }
    }
}

static const void *data_arg(size_t *len) {
    static const size_t lens[] = {0, 1, 100, 1472, 65507, 65508, 200000};
    /* A stream takes as much of a long send as its buffers hold at that moment: kept short there. */
    *len = lens[below(stream ? 4 : sizeof lens / sizeof *lens)];
    say(" %zu bytes", *len);
    if (one_in(12)) {
        say(" at ");
        return bad_pointer();
    }
    if (one_in(12)) {
        say(" at edge(10)");
        return at_edge(10);
    }
    return big;
}

static int send_flags(void) {
    static const int bits[] = {MSG_DONTWAIT, MSG_FASTOPEN, MSG_OOB, MSG_CONFIRM, MSG_MORE, MSG_EOR, MSG_NOSIGNAL,
                               MSG_ZEROCOPY, MSG_PROXY, 1 << 30};
    int f = 0;
    for (unsigned i = 0; i < sizeof bits / sizeof *bits; i++) {
        if (one_in(i < 2 || i == 6 ? 5 : 14)) f |= bits[i];
    }
    say(" flags 0x%x", f);
    return f;
}

/* Control records, some of them lying about their lengths; never SCM_CREDENTIALS, which seccheck refuses. */
static size_t control_arg(char *buf, size_t room, int sock) {
    struct msghdr m = {.msg_control = buf, .msg_controllen = room};
    memset(buf, 0, room);
    unsigned records = below(3) + 1;
    size_t used = 0;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    say(" control[");
    for (unsigned i = 0; i < records && c && used + CMSG_SPACE(24) <= room; i++) {
        size_t data;
        switch (below(6)) {
            case 0: case 1: {
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                unsigned n = below(3) + 1;
                int *fds = (int *)CMSG_DATA(c);
                for (unsigned j = 0; j < n; j++) {
                    unsigned w = below(4);
                    fds[j] = w == 0 ? file_fd : w == 1 ? sock : w == 2 ? -1 : 9999;
                }
                data = n * sizeof(int);
                say("rights %u ", n);
                break;
            }
            case 2: {
                c->cmsg_level = IPPROTO_IP;
                c->cmsg_type = IP_PKTINFO;
                struct in_pktinfo pi = {.ipi_ifindex = (int)below(2)}; /* none, or lo */
                pi.ipi_spec_dst.s_addr = htonl(INADDR_LOOPBACK + below(2));
                memcpy(CMSG_DATA(c), &pi, sizeof pi);
                data = sizeof pi;
                say("pktinfo if%d ", pi.ipi_ifindex);
                break;
            }
            case 3: {
                c->cmsg_level = IPPROTO_IP;
                c->cmsg_type = IP_TTL;
                *(int *)CMSG_DATA(c) = (int)below(300);
                data = sizeof(int);
                say("ttl ");
                break;
            }
            case 4: {
                c->cmsg_level = IPPROTO_IPV6;
                c->cmsg_type = IPV6_PKTINFO;
                struct in6_pktinfo pi = {.ipi6_addr = IN6ADDR_LOOPBACK_INIT, .ipi6_ifindex = below(2)};
                memcpy(CMSG_DATA(c), &pi, sizeof pi);
                data = sizeof pi;
                say("pktinfo6 ");
                break;
            }
            default: {
                static const int levels[] = {SOL_SOCKET, 1234, IPPROTO_TCP};
                static const int types[] = {3, 7, 37, 99, 0};
                c->cmsg_level = levels[below(3)];
                c->cmsg_type = types[below(5)];
                data = below(12);
                say("%d/%d ", c->cmsg_level, c->cmsg_type);
            }
        }
        c->cmsg_len = CMSG_LEN(data);
        switch (below(16)) {
            case 0: c->cmsg_len = below(sizeof(struct cmsghdr)); say("(short len) "); break;
            case 1: c->cmsg_len = room + 8; say("(long len) "); break;
            case 2: c->cmsg_len = CMSG_LEN(data) - 1; say("(len-1) "); break;
            default: break;
        }
        used += CMSG_SPACE(data);
        if (c->cmsg_len != CMSG_LEN(data)) break;
        c = CMSG_NXTHDR(&m, c);
    }
    size_t len = used;
    if (one_in(10)) {
        len = below((unsigned)used + 1);
        say("] cut to %zu", len);
    } else {
        say("]");
    }
    return len;
}

/* A message: name, data in pieces, control records; each field may lie. */
static void message_arg(struct msghdr *m, struct iovec *iov, char *ctl, size_t ctl_room, int sock) {
    memset(m, 0, sizeof *m);
    say(" {");
    if (!one_in(3)) {
        socklen_t len;
        say("name ");
        m->msg_name = address_arg(&len);
        m->msg_namelen = len;
    } else if (one_in(3)) {
        m->msg_namelen = 16;
        say("NULL name len 16");
    }
    unsigned pieces;
    switch (below(14)) {
        case 0: pieces = 0; break;
        case 1: pieces = 1025; break;
        case 2: pieces = 1024; break;
        default: pieces = below(4) + 1;
    }
    for (unsigned i = 0; i < pieces && i < 1025; i++) {
        iov[i].iov_base = big + i;
        iov[i].iov_len = 1;
    }
    if (pieces && pieces < 8) {
        unsigned odd = below(pieces * 6);
        if (odd < pieces) {
            switch (below(4)) {
                case 0: iov[odd].iov_base = NULL; iov[odd].iov_len = 1; say(", piece %u NULL", odd); break;
                case 1: iov[odd].iov_base = edge_page + 4096; say(", piece %u unreadable", odd); break;
                case 2: iov[odd].iov_len = (size_t)1 << 63; say(", piece %u huge", odd); break;
                default: iov[odd].iov_len = stream ? 1000 : 65536; say(", piece %u long", odd);
            }
        }
    }
    m->msg_iov = iov;
    m->msg_iovlen = pieces;
    say(", %u pieces", pieces);
    if (one_in(20)) {
        m->msg_iov = (struct iovec *)(edge_page + 4096 - sizeof(struct iovec));
        m->msg_iov[0] = iov[0];
        say(" at edge");
    } else if (one_in(20)) {
        say(" at ");
        m->msg_iov = bad_pointer();
    }
    if (one_in(2)) {
        m->msg_control = ctl;
        m->msg_controllen = control_arg(ctl, ctl_room, sock);
        if (one_in(20)) {
            m->msg_controllen = (size_t)1 << 40;
            say(" controllen 2^40");
        }
    } else if (one_in(12)) {
        say(", control at ");
        m->msg_control = bad_pointer();
        m->msg_controllen = 32;
    }
    say("}");
}

/* The value of a socket option seccheck holds (source routes, raw headers), drawn for LEVEL and
   NAME into BUF: never a route the kernel would keep (no loose or strict route option, no IPv6
   routing header of the types it sends), which seccheck refuses on purpose. Says it; its length. */
static size_t option_value(int level, int name, unsigned char *buf) {
    static const unsigned char ip_types[] = {0, 1, 1, 7, 0x44, 0x82, 0x94, 0x86, 0x88, 0x19};
    size_t n = 0;
    if (level == IPPROTO_IP && name == IP_OPTIONS) {
        unsigned parts = below(4) + 1;
        for (unsigned p = 0; p < parts && n < 40; p++) {
            buf[n++] = ip_types[below(sizeof ip_types)];
            unsigned len = one_in(4) ? below(44) : 4 + 4 * below(3);
            for (unsigned i = 1; i < len && n < 44; i++) buf[n++] = i == 1 ? (unsigned char)len : i == 2 ? 5 : (unsigned char)next();
        }
        say(" options");
    } else if (level == IPPROTO_IPV6 && name == IPV6_RTHDR) {
        n = 8 * (below(4) + 1);
        for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)next();
        buf[1] = (unsigned char)(n / 8 - 1);
        buf[2] = one_in(2) ? 0 : 3; /* type 0 (refused since RFC 5095) or one the kernel does not know */
        say(" header type %d", buf[2]);
    } else if (level == IPPROTO_IPV6 && name == IPV6_2292PKTOPTIONS) {
        /* Records as a message carries them: a hop limit, a traffic class, a routing header of type 0. */
        unsigned records = below(3) + 1;
        for (unsigned k = 0; k < records; k++) {
            struct cmsghdr *c = (struct cmsghdr *)(buf + n);
            static const int types[] = {IPV6_HOPLIMIT, IPV6_TCLASS, IPV6_RTHDR, 99};
            int t = types[below(4)];
            size_t value = t == IPV6_RTHDR ? 24 : 4;
            c->cmsg_level = IPPROTO_IPV6;
            c->cmsg_type = t;
            c->cmsg_len = CMSG_LEN(value) + (one_in(6) ? 8 : 0);
            memset(CMSG_DATA(c), 0, value);
            if (t == IPV6_RTHDR) CMSG_DATA(c)[1] = 2;
            else *(int *)CMSG_DATA(c) = (int)below(300) - 10;
            n += CMSG_SPACE(value);
            say(" record %d", t);
        }
    } else {
        /* IP_HDRINCL, IPV6_HDRINCL: an int, on or off. */
        int v = one_in(2) ? 0 : (int)next();
        memcpy(buf, &v, sizeof v);
        n = sizeof v;
        say(" int %s", v ? "on" : "off");
    }
    return n;
}

/* A setsockopt that seccheck holds, with the lengths and pointers a hostile program would pass. */
static long fuzz_socket_option(int *s) {
    static const struct { int level, name; const char *what; } options[] = {
        {IPPROTO_IP, IP_OPTIONS, "IP_OPTIONS"}, {IPPROTO_IPV6, IPV6_RTHDR, "IPV6_RTHDR"},
        {IPPROTO_IPV6, IPV6_2292PKTOPTIONS, "IPV6_2292PKTOPTIONS"}, {IPPROTO_IP, IP_HDRINCL, "IP_HDRINCL"},
        {IPPROTO_IPV6, IPV6_HDRINCL, "IPV6_HDRINCL"}};
    int kind;
    say("setsockopt(");
    *s = socket_arg(&kind);
    unsigned o = below(sizeof options / sizeof *options);
    say(", %s,", options[o].what);
    static unsigned char value[1 << 17];
    size_t n = option_value(options[o].level, options[o].name, value);
    static const int lens[] = {0, 1, 2, 3, 4, 5, 8, 12, 40, 41, 44, 2040, 2048, 65536, 65537, -1};
    int len = one_in(3) ? lens[below(sizeof lens / sizeof *lens)] : (int)n;
    const void *at = value;
    switch (below(8)) {
        case 0: say(" at "); at = bad_pointer(); break;
        case 1: {
            /* The value's first bytes, then the unreadable page. */
            size_t room = n < 4 ? n : below((unsigned)n) + 1;
            memcpy(at_edge(room), value, room);
            at = at_edge(room);
            say(" at edge(%zu)", room);
            break;
        }
        default: break;
    }
    say(", len %d)", len);
    return syscall(SYS_setsockopt, *s, options[o].level, options[o].name, at, len);
}

static void fuzz_network(void) {
    long r;
    int kind;
    socklen_t len;
    size_t dlen;
    int s;
    switch (below(7)) {
        case 6:
            r = fuzz_socket_option(&s);
            break;
        case 0: {
            say("connect(");
            s = socket_arg(&kind);
            say(", ");
            void *a = address_arg(&len);
            say(")");
            r = connect(s, a, len);
            if (kind == 1 && (r == 0 || errno == EINPROGRESS)) {
                /* A non-blocking connect on loopback may finish at once or after: both are "started". */
                printf("%s = started\n", what);
                close(s);
                return;
            }
            break;
        }
        case 1: {
            say("bind(");
            s = socket_arg(&kind);
            say(", ");
            void *a = address_arg(&len);
            say(")");
            r = bind(s, a, len);
            break;
        }
        case 2: {
            say("sendto(");
            s = socket_arg(&kind);
            const void *d = data_arg(&dlen);
            int f = send_flags();
            say(", ");
            void *a = one_in(5) ? (say("NULL address"), NULL) : address_arg(&len);
            if (!a) len = one_in(2) ? 16 : 0;
            say(")");
            r = sendto(s, d, dlen, f | MSG_DONTWAIT, a, len);
            break;
        }
        case 3: {
            static struct iovec iov[1100];
            static char ctl[256] __attribute__((aligned(8)));
            struct msghdr m;
            say("sendmsg(");
            s = socket_arg(&kind);
            message_arg(&m, iov, ctl, sizeof ctl, s);
            int f = send_flags();
            say(")");
            void *where = &m;
            if (one_in(20)) {
                say(" msghdr at ");
                where = bad_pointer();
            } else if (one_in(20)) {
                where = edge_page + 4096 - 24;
                memcpy(where, &m, 24);
                say(" msghdr at edge");
            }
            r = sendmsg(s, where, f | MSG_DONTWAIT);
            break;
        }
        case 4: {
            static struct iovec iovs[4][1100];
            static char ctls[4][256] __attribute__((aligned(8)));
            static struct mmsghdr mm[4];
            say("sendmmsg(");
            s = socket_arg(&kind);
            unsigned n = below(4) + 1;
            for (unsigned i = 0; i < n; i++) {
                message_arg(&mm[i].msg_hdr, iovs[i], ctls[i], sizeof ctls[i], s);
                mm[i].msg_len = 77;
            }
            static const unsigned vlens[] = {0, 1, 2, 3, 4, 1025, 0xffffffff};
            unsigned vlen = vlens[below(sizeof vlens / sizeof *vlens)];
            if (vlen > n && vlen < 1025) vlen = n;
            int f = send_flags();
            void *where = mm;
            say(", vlen %u", vlen);
            if (vlen >= 1025 || one_in(10)) {
                /* Past the messages made: what follows in memory, or the unreadable page. */
                where = edge_page + 4096 - n * sizeof *mm;
                memcpy(where, mm, n * sizeof *mm);
                say(" at edge");
            }
            say(")");
            r = sendmmsg(s, where, vlen, f | MSG_DONTWAIT);
            if (r > 0) {
                struct mmsghdr *done = where;
                say(" lens");
                for (long i = 0; i < r && i < (long)n; i++) say(" %u", done[i].msg_len);
            }
            break;
        }
        default: {
            /* An accept, with a connection waiting or not, and the address written where the program says. */
            int pending = one_in(2);
            int c = -1;
            if (pending) {
                c = socket(AF_INET, SOCK_STREAM, 0);
                connect(c, (struct sockaddr *)&tcp_addr, sizeof tcp_addr);
            }
            say("accept4(%s", pending ? "pending" : "none");
            void *a = big;
            socklen_t alen = 16;
            socklen_t *lp = &alen;
            switch (below(6)) {
                case 0: say(", NULL, NULL"); a = NULL; lp = NULL; break;
                case 1: say(", addr "); a = bad_pointer(); break;
                case 2: say(", len "); lp = bad_pointer(); break;
                case 3: {
                    static const int lens[] = {0, 4, -1};
                    alen = (socklen_t)lens[below(3)];
                    say(", len %d", (int)alen);
                    break;
                }
                case 4: {
                    /* The length in a page the program may read but the kernel must write. */
                    static socklen_t *ro;
                    if (!ro) {
                        ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                        *ro = 16;
                        mprotect(ro, 4096, PROT_READ);
                    }
                    lp = ro;
                    say(", len read-only");
                    break;
                }
                default: say(", addr, 16");
            }
            int flags = (one_in(2) ? SOCK_NONBLOCK : 0) | (one_in(2) ? SOCK_CLOEXEC : 0) | (one_in(8) ? 1 : 0);
            say(", 0x%x)", flags);
            r = accept4(tcp_listener, a, lp, flags);
            int err = errno;
            if (r >= 0 && lp == &alen) say(" len %u", alen);
            if (c >= 0) close(c);
            fd_result(r, err);
            drain();
            return;
        }
    }
    int err = errno;
    if (s >= 0 && s != 9999) close(s);
    count_result(r, err);
    drain();
}

/* ---------------------------------------------------------------------------------------------- */

/* Puts back the names most calls use, so that the run keeps reaching files after a rename or unlink. */
static void restore(void) {
    struct stat st;
    if (lstat("f", &st) < 0 || !S_ISREG(st.st_mode)) {
        rmdir("f");
        unlink("f");
        close(open("f", O_CREAT | O_WRONLY, 0644));
    }
    chmod("f", 0644);
    if (lstat("d", &st) < 0 || !S_ISDIR(st.st_mode)) {
        unlink("d");
        mkdir("d", 0755);
    }
    chmod("d", 0755);
    chmod(".", 0755);
    if (lstat("s", &st) < 0) symlink("f", "s");
    if (lstat("sd", &st) < 0) symlink("d", "sd");
    if (lstat("loop", &st) < 0) symlink("loop", "loop");
    close(dir_fd);
    close(path_fd);
    dir_fd = open("d", O_RDONLY | O_DIRECTORY);
    path_fd = open("d", O_PATH);
}

static int unix_socket_at(const char *name, int type) {
    int s = socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
    struct sockaddr_un u = {.sun_family = AF_UNIX};
    strcpy(u.sun_path, name);
    unlink(name);
    if (bind(s, (struct sockaddr *)&u, sizeof u) < 0) {
        perror(name);
        exit(2);
    }
    return s;
}

/* A socket of TYPE on 127.0.0.1 at a port the kernel chose, in A; the same port is held in the
   other protocol too, so that a bind to it in either fails the same in every run, whatever else
   the machine runs. */
static void loopback(int type, struct sockaddr_in *a, int *fd) {
    for (int tries = 0; tries < 100; tries++) {
        *fd = socket(AF_INET, type | SOCK_NONBLOCK, 0);
        *a = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t l = sizeof *a;
        if (bind(*fd, (struct sockaddr *)a, l) < 0 || getsockname(*fd, (struct sockaddr *)a, &l) < 0) {
            perror("loopback");
            exit(2);
        }
        int other = socket(AF_INET, (type == SOCK_STREAM ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
        if (bind(other, (struct sockaddr *)a, sizeof *a) == 0) {
            return; /* kept open for the whole run */
        }
        close(other);
        close(*fd);
    }
    fprintf(stderr, "argument_fuzz: no port free in both protocols\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: argument_fuzz SEED COUNT [opens,names,net]\n");
        return 2;
    }
    const char *kinds = argc == 4 ? argv[3] : "opens,names,net";
    const char *listable = getenv("ARGUMENT_FUZZ_LISTABLE");
    keep_listable = listable && !strcmp(listable, "1");
    int opens = strstr(kinds, "opens") != NULL, names_ = strstr(kinds, "names") != NULL,
        net = strstr(kinds, "net") != NULL;
    if (!opens && !names_ && !net) {
        fprintf(stderr, "argument_fuzz: no kind of call in \"%s\"\n", kinds);
        return 2;
    }
    seed_draws(argv[1]);
    long count = strtol(argv[2], NULL, 0);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!getcwd(cwd_path, sizeof cwd_path)) return 2;
    edge_page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(edge_page + 4096, 4096, PROT_NONE);
    memset(big, 'b', sizeof big);

    file_fd = open("f", O_CREAT | O_RDWR, 0644);
    mkdir("d", 0755);
    restore();
    loopback(SOCK_STREAM, &tcp_addr, &tcp_listener);
    listen(tcp_listener, 64);
    loopback(SOCK_DGRAM, &udp_addr, &udp_rx);
    /* A port bound but not listening refuses every connect; no other program can take it meanwhile. */
    loopback(SOCK_STREAM, &closed_addr, &closed_holder);
    unix_listener = unix_socket_at("sock", SOCK_STREAM);
    listen(unix_listener, 64);
    unix_dgram = unix_socket_at("dsock", SOCK_DGRAM);

    for (long i = 0; i < count; i++) {
        new_line(i);
        if (i % 50 == 0) restore();
        unsigned k = below(10);
        if ((k <= 2 && !opens) || (k >= 3 && k <= 5 && !names_) || (k >= 7 && !net)) {
            i--; /* a kind not asked for: draw again */
            continue;
        }
        switch (k) {
            case 0: case 1: case 2: fuzz_open(); break;
            case 3: case 4: case 5: fuzz_names(); break;
            case 6: {
                mode_t m = (mode_t)below(01000);
                umask(m);
                printf("%ld umask(0%o)\n", i, m);
                break;
            }
            default: fuzz_network();
        }
    }
    printf("done\n");
    return 0;
}

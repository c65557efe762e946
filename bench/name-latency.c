// name-latency N: N rounds of the calls on one name in the current directory (mkdir, symlink,
// mknod of a FIFO, truncate, chmod, chown, setxattr and removexattr of a user attribute, its times
// set by name (utimensat) and on an open descriptor (futimens), bind of a unix socket to a path,
// unlink of the symlink, the FIFO and the socket, rmdir), each call timed; prints
// the median of each kind in microseconds, then the median of all (bench/names.sh).
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
static int cmp(const void *a, const void *b) { long x = *(long *)a, y = *(long *)b; return x < y ? -1 : x > y; }
static long ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000L + t.tv_nsec; }
enum { MKDIR, SYMLINK, MKNOD, TRUNCATE, CHMOD, CHOWN, SETXATTR, REMOVEXATTR, UTIMENSAT, FUTIMENS, BIND, UNLINK, RMDIR,
       KINDS };
static const char *names[KINDS] = {"mkdir", "symlink", "mknod", "truncate", "chmod", "chown", "setxattr",
                                         "removexattr", "utimensat", "futimens", "bind", "unlink", "rmdir"};
int main(int c, char **v) {
    int n = c > 1 ? atoi(v[1]) : 2000;
    long *t[KINDS], *all = malloc(sizeof(long) * n * (KINDS + 2));
    int counts[KINDS] = {0}, total = 0;
    for (int k = 0; k < KINDS; k++) t[k] = malloc(sizeof(long) * n * 3);
    struct sockaddr_un sun = {.sun_family = AF_UNIX, .sun_path = "name-latency.d/s"};
    int f = open("name-latency.f", O_CREAT | O_WRONLY, 0644);
#define TIMED(kind, call) do { long a = ns(); if ((call) < 0) { perror(names[kind]); return 1; } \
        long d = ns() - a; t[kind][counts[kind]++] = d; all[total++] = d; } while (0)
    for (int i = 0; i < n; i++) {
        TIMED(MKDIR, mkdir("name-latency.d", 0755));
        TIMED(SYMLINK, symlink("../name-latency.f", "name-latency.d/l"));
        TIMED(MKNOD, mknod("name-latency.d/p", S_IFIFO | 0600, 0));
        TIMED(TRUNCATE, truncate("name-latency.f", i % 7));
        TIMED(CHMOD, chmod("name-latency.f", i % 2 ? 0600 : 0644));
        TIMED(CHOWN, chown("name-latency.f", -1, -1));
        TIMED(SETXATTR, setxattr("name-latency.f", "user.n", "1", 1, 0));
        TIMED(REMOVEXATTR, removexattr("name-latency.f", "user.n"));
        struct timespec times[2] = {{i, 0}, {i, 0}};
        TIMED(UTIMENSAT, utimensat(AT_FDCWD, "name-latency.f", times, 0));
        TIMED(FUTIMENS, futimens(f, times));
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        TIMED(BIND, bind(s, (struct sockaddr *)&sun, sizeof sun));
        close(s);
        TIMED(UNLINK, unlink("name-latency.d/s"));
        TIMED(UNLINK, unlink("name-latency.d/l"));
        TIMED(UNLINK, unlink("name-latency.d/p"));
        TIMED(RMDIR, rmdir("name-latency.d"));
    }
    close(f);
    unlink("name-latency.f");
    for (int k = 0; k < KINDS; k++) {
        qsort(t[k], counts[k], sizeof(long), cmp);
        printf("%s=%ld ", names[k], t[k][counts[k] / 2] / 1000);
    }
    qsort(all, total, sizeof(long), cmp);
    printf("all=%ld\n", all[total / 2] / 1000);
    return 0;
}

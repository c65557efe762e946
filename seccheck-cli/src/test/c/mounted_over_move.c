// A directory moved out of a rule on what runs while an exec of a file below it is in flight, with
// that file hidden by a mount of the program's own (run in a user and mount namespace of its own:
// unshare -rm). seccheck records the files a rename moves out of such a rule by walking the moved
// directory after the rename; a mount below it showed the walk the mount's files instead.
//
// Usage: mounted_over_move dir|file DENIED OK ROUNDS
//   Each round makes DENIED/rN/in/X, a copy of this program (run as X it prints "MOUNTED-RAN" and
//   exits 42), then hides it:
//     dir:  a tmpfs over DENIED/rN/in; the child execs X through a descriptor of in taken before;
//     file: /dev/null bound over X; the child execs X's own descriptor, taken before.
//   The parent waits until X cannot be opened for writing (ETXTBSY: the kernel has opened it for
//   the exec, under its denied name; X, once it runs, stays 50 ms), then renames DENIED/rN to OK/rN.
// Prints "ran=R seen=S killed=K of N": R execs of X ran after their file was seen opened.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char self[4096];

static int copy_self(const char *to) {
    int in = open(self, O_RDONLY | O_CLOEXEC);
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    if (in < 0 || out < 0) {
        return -1;
    }
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        if (write(out, buf, n) != n) {
            return -1;
        }
    }
    close(in);
    return close(out);
}

// Whether the kernel holds X open for an exec: a write open fails with ETXTBSY.
static int opened_for_exec(int fd, int dirfd) {
    int w;
    if (dirfd < 0) {
        char p[64];
        snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
        w = open(p, O_WRONLY | O_CLOEXEC);
    } else {
        w = openat(dirfd, "X", O_WRONLY | O_CLOEXEC);
    }
    if (w >= 0) {
        close(w);
        return 0;
    }
    return errno == ETXTBSY;
}

int main(int argc, char **argv) {
    if (strcmp(argv[0], "X") == 0) {
        puts("MOUNTED-RAN");
        // Alive a while, so that the parent sees the file held for the exec (ETXTBSY) even when it
        // gets the CPU only after the child's exec.
        usleep(50000);
        return 42;
    }
    if (argc != 5) {
        fprintf(stderr, "usage: mounted_over_move dir|file DENIED OK ROUNDS\n");
        return 2;
    }
    int file = strcmp(argv[1], "file") == 0;
    const char *denied = argv[2], *ok = argv[3];
    int rounds = atoi(argv[4]);
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len < 0) {
        perror("readlink");
        return 1;
    }
    self[len] = 0;
    int ran = 0, seen = 0, killed = 0;
    for (int i = 0; i < rounds; i++) {
        char d[4096], in[4200], x[4300], to[4096], moved[4300];
        snprintf(d, sizeof d, "%s/r%d", denied, i);
        snprintf(in, sizeof in, "%s/in", d);
        snprintf(x, sizeof x, "%s/X", in);
        snprintf(to, sizeof to, "%s/r%d", ok, i);
        if (mkdir(d, 0755) != 0 || mkdir(in, 0755) != 0 || copy_self(x) != 0) {
            perror("making the round's file");
            return 1;
        }
        int indir = open(in, O_PATH | O_DIRECTORY | O_CLOEXEC);
        int xfd = file ? open(x, O_PATH | O_CLOEXEC) : -1;
        if (indir < 0 || (file && xfd < 0)) {
            perror("open");
            return 1;
        }
        if (file ? mount("/dev/null", x, NULL, MS_BIND, NULL) : mount("none", in, "tmpfs", 0, "size=64k")) {
            perror("mount");
            return 1;
        }
        pid_t c = fork();
        if (c == 0) {
            char *av[] = {"X", NULL};
            char *ev[] = {NULL};
            // Again while the parent's probe holds X open for writing (ETXTBSY): natively, on a
            // busy machine, most rounds' execs failed so, and a CI run saw none of 30 run.
            for (int tries = 0; tries < 100000; tries++) {
                if (file) {
                    syscall(SYS_execveat, xfd, "", av, ev, AT_EMPTY_PATH);
                } else {
                    syscall(SYS_execveat, indir, "X", av, ev, 0);
                }
                if (errno != ETXTBSY) {
                    break;
                }
            }
            _exit(99);
        }
        int opened = 0, st, ended = 0;
        for (time_t until = time(NULL) + 2; !opened && !ended && time(NULL) < until;) {
            opened = opened_for_exec(xfd, file ? -1 : indir);
            ended = !opened && waitpid(c, &st, WNOHANG) == c; // decided (killed) before it was seen
        }
        rename(d, to);
        if (!ended) {
            waitpid(c, &st, 0);
        }
        seen += opened;
        if (opened && WIFEXITED(st) && WEXITSTATUS(st) == 42) {
            ran++;
        } else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
            killed++;
        }
        snprintf(moved, sizeof moved, "%s/in%s", to, file ? "/X" : "");
        umount2(moved, MNT_DETACH);
        umount2(file ? x : in, MNT_DETACH);
        close(indir);
        if (xfd >= 0) {
            close(xfd);
        }
    }
    printf("ran=%d seen=%d killed=%d of %d\n", ran, seen, killed, rounds);
    return 0;
}

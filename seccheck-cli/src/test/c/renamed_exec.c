// usage: renamed_exec rename|link|flip|plain N DENIED ELSEWHERE [ALLOWED]
// Copies itself to DENIED (a file made now, after seccheck loaded its policy) and, for flip and
// plain, to ALLOWED; then N times forks a child that executes a file while the parent moves the
// denied one away as soon as the kernel has executed it (the child's comm, public in /proc, shows
// the name it was executed by), before seccheck names it at the exec event (red team R2 F1):
//   rename: the child executes DENIED; the parent renames DENIED to ELSEWHERE;
//   link:   the child executes DENIED; the parent links it as ELSEWHERE and unlinks DENIED;
//   flip:   the child executes the symlink DIR(DENIED)/../x, which a flipper process keeps pointing
//           at ALLOWED, then DENIED; the parent renames DENIED to ELSEWHERE as in rename;
//   plain:  the child executes ALLOWED through a symlink that stays put; nothing is moved.
// Each move is undone after the child is reaped. Run by a child (RENAMED_EXEC_DENIED_INO set),
// the program exits 42 when it is the file made as DENIED (by inode, whatever its name now), else
// 43. Prints "ran=R allowed=A killed=K enoent=E other=O": R the runs of the denied file.
#define _GNU_SOURCE
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void copy_self(const char *to) {
    int in = open("/proc/self/exe", O_RDONLY), out = open(to, O_CREAT | O_WRONLY | O_TRUNC, 0755);
    if (in < 0 || out < 0) {
        perror(to);
        exit(2);
    }
    char b[65536];
    ssize_t r;
    while ((r = read(in, b, sizeof b)) > 0) {
        if (write(out, b, r) != r) {
            perror("write");
            exit(2);
        }
    }
    close(in);
    close(out);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* Polls child p's comm until it reads `name` (the kernel has executed the file) or p has ended;
   returns 1 with *st set when it ended. */
static int await_exec(pid_t p, const char *name, int *st) {
    char path[64], buf[64];
    snprintf(path, sizeof path, "/proc/%d/comm", p);
    double end = now() + 5;
    for (long k = 0;; k++) {
        int fd = open(path, O_RDONLY);
        if (fd >= 0) {
            int r = read(fd, buf, sizeof buf - 1);
            close(fd);
            if (r > 0) {
                buf[r] = 0;
                if (strncmp(buf, name, strlen(name)) == 0 && buf[strlen(name)] == '\n') {
                    return 0;
                }
            }
        }
        if ((k & 63) == 63) {
            if (waitpid(p, st, WNOHANG) == p) {
                return 1;
            }
            if (now() > end) {
                return 0;
            }
        }
    }
}

int main(int argc, char **argv) {
    const char *ran_as = getenv("RENAMED_EXEC_DENIED_INO");
    if (ran_as != NULL) {
        struct stat self;
        return stat("/proc/self/exe", &self) == 0 && (unsigned long long) self.st_ino == strtoull(ran_as, NULL, 10)
                ? 42 : 43;
    }
    if (argc < 5 || (argc < 6 && (!strcmp(argv[1], "flip") || !strcmp(argv[1], "plain")))) {
        fprintf(stderr, "usage: renamed_exec rename|link|flip|plain N DENIED ELSEWHERE [ALLOWED]\n");
        return 2;
    }
    const char *mode = argv[1], *denied = argv[3], *elsewhere = argv[4], *allowed = argc > 5 ? argv[5] : NULL;
    int n = atoi(argv[2]);
    int flip = !strcmp(mode, "flip"), plain = !strcmp(mode, "plain"), link_mode = !strcmp(mode, "link");
    unlink(denied);
    unlink(elsewhere);
    copy_self(denied);
    if (allowed != NULL) {
        unlink(allowed);
        copy_self(allowed);
    }
    struct stat st;
    if (stat(denied, &st) != 0) {
        perror(denied);
        return 2;
    }
    char ino[32];
    snprintf(ino, sizeof ino, "%llu", (unsigned long long) st.st_ino);
    setenv("RENAMED_EXEC_DENIED_INO", ino, 1);

    // The symlink the child executes in flip and plain: x beside DENIED.
    char dircopy[4096], x[4096], xtmp[4100];
    snprintf(dircopy, sizeof dircopy, "%s", denied);
    snprintf(x, sizeof x, "%s/x", dirname(dircopy));
    snprintf(xtmp, sizeof xtmp, "%s.tmp", x);
    pid_t flipper = -1;
    if (flip || plain) {
        unlink(x);
        if (symlink(allowed, x) != 0) {
            perror("symlink");
            return 2;
        }
    }
    if (flip) {
        flipper = fork();
        if (flipper == 0) {
            for (unsigned long i = 0;; i++) {
                unlink(xtmp);
                if (symlink(i & 1 ? denied : allowed, xtmp) == 0) {
                    rename(xtmp, x);
                }
            }
        }
    }
    const char *executed = flip || plain ? x : denied;
    char namecopy[4096];
    snprintf(namecopy, sizeof namecopy, "%s", executed);
    const char *name = basename(namecopy);
    int ran = 0, ok = 0, killed = 0, enoent = 0, other = 0;
    for (int i = 0; i < n; i++) {
        pid_t p = fork();
        if (p == 0) {
            char *av[] = {(char *) name, NULL};
            execv(executed, av);
            _exit(127);
        }
        int status = 0;
        int ended = await_exec(p, name, &status);
        int linked = !plain && link_mode && link(denied, elsewhere) == 0;
        int moved = linked ? unlink(denied) == 0 : !plain && !link_mode && rename(denied, elsewhere) == 0;
        if (!ended) {
            waitpid(p, &status, 0);
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 42) {
            ran++;
        } else if (WIFEXITED(status) && WEXITSTATUS(status) == 43) {
            ok++;
        } else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
            killed++;
        } else if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
            enoent++;
        } else {
            other++;
        }
        if (moved) {
            rename(elsewhere, denied);
        } else if (linked) {
            unlink(elsewhere);
        }
    }
    if (flipper > 0) {
        kill(flipper, SIGKILL);
        waitpid(flipper, NULL, 0);
    }
    printf("ran=%d allowed=%d killed=%d enoent=%d other=%d\n", ran, ok, killed, enoent, other);
    return 0;
}

// usage: renamed_exec rename|link|flip|plain N DENIED ELSEWHERE [ALLOWED]
// Copies itself to DENIED (a file made now, after seccheck loaded its policy) and, for flip and
// plain, to ALLOWED; then N times vforks a child that executes a file while the parent moves the
// denied one away as soon as the kernel has executed it, before seccheck names it at the exec
// event (red team R2 F1, which watched the child's comm; vfork wakes the parent at the same point):
//   rename: the child executes DENIED; the parent renames DENIED to ELSEWHERE;
//   link:   the child executes DENIED; the parent links it as ELSEWHERE and unlinks DENIED;
//   flip:   the child executes the symlink x beside DENIED, which a flipper process keeps pointing
//           at ALLOWED, then DENIED; the parent renames DENIED to ELSEWHERE as in rename;
//   plain:  the child executes ALLOWED through that symlink, which stays put; nothing is moved.
// The child's environment holds 20,000 short strings, which seccheck reads one by one from the new
// image before it looks at the binary: the parent's move then comes in time however busy the
// machine is. Each move is undone after the child is reaped, and the files are removed at the
// end. Run by a child (RENAMED_EXEC_DENIED_INO set), the program exits 42 when it is the file made
// as DENIED (by inode, whatever its name now), else 43. Prints "ran=R allowed=A killed=K enoent=E
// other=O": R the runs of the denied file.
#define _GNU_SOURCE
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
    // PAD short strings: seccheck reads each with a call of its own.
    enum { PAD = 20000 };
    char **env = malloc((PAD + 2) * sizeof *env);
    for (int i = 0; i < PAD; i++) {
        env[i] = "P=x";
    }
    char inoenv[64];
    snprintf(inoenv, sizeof inoenv, "RENAMED_EXEC_DENIED_INO=%s", ino);
    env[PAD] = inoenv;
    env[PAD + 1] = NULL;
    const char *executed = flip || plain ? x : denied;
    char namecopy[4096];
    snprintf(namecopy, sizeof namecopy, "%s", executed);
    const char *name = basename(namecopy);
    int ran = 0, ok = 0, killed = 0, enoent = 0, other = 0;
    for (int i = 0; i < n; i++) {
        // vfork: the parent goes on as soon as the kernel has replaced the child's memory, on its
        // way to executing the file (it was opened before), and moves the file then.
        pid_t p = vfork();
        if (p == 0) {
            char *av[] = {(char *) name, NULL};
            execve(executed, av, env);
            _exit(127);
        }
        int status = 0;
        int linked = !plain && link_mode && link(denied, elsewhere) == 0;
        int moved = linked ? unlink(denied) == 0 : !plain && !link_mode && rename(denied, elsewhere) == 0;
        waitpid(p, &status, 0);
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
    // Nothing is left where a policy loaded by the next run would find it (by device and inode).
    unlink(denied);
    unlink(elsewhere);
    if (allowed != NULL) {
        unlink(allowed);
        unlink(x);
    }
    printf("ran=%d allowed=%d killed=%d enoent=%d other=%d\n", ran, ok, killed, enoent, other);
    return 0;
}

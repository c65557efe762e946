// usage: moved_exec rename|link|dir|unlink|fd DENIED_DIR OK_DIR N
//        moved_exec ran WORD
// N times: copies this program to a new file DENIED_DIR/xI (made during the run, so no walk at
// the policy's load knew it), forks a child that executes it by that name ("ran MOVED"), and
// moves it to OK_DIR/xI after a delay that grows with I (0 to 1.5 ms), so that some moves land
// while the child's exec is in flight: after the kernel opened the file under its denied name,
// before seccheck looked at what ran. The child exits 127 when the name was gone before its exec.
// Mode "link" links the file to OK_DIR/xI and unlinks the denied name instead of renaming; mode
// "dir" renames the directory DENIED_DIR/dI holding it. Mode "unlink" names the file xI.bin and
// only unlinks it: the kernel then names the file "DENIED_DIR/xI.bin (deleted)" at the exec event.
// Mode "fd" makes the same file, opens it, unlinks it and has the child execute the descriptor
// (execveat with AT_EMPTY_PATH), every time. (Red-team round 15, finding A1: a rule whose pattern
// ends the name, *.bin, did not hold for such a file.) Then, with no move in flight, it executes
// a copy made in OK_DIR ("ran FINAL"). A run prints WORD-RAN and its pid; counting is left to the
// caller. (Red team round 2, finding 1.)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
extern char **environ;

/** This program's own file, copied to each new name. */
static int image = -1;

static void put(const char *path) {
    struct stat st;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
    if (fd < 0 || fstat(image, &st) != 0) {
        perror(path);
        exit(1);
    }
    off_t at = 0;
    while (at < st.st_size) {
        if (sendfile(fd, image, &at, st.st_size - at) <= 0) {
            perror("sendfile");
            exit(1);
        }
    }
    close(fd);
}

static void spin_us(long us) {
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while ((t.tv_sec - t0.tv_sec) * 1000000L + (t.tv_nsec - t0.tv_nsec) / 1000 < us);
}

/** Forks a child that executes PATH, or the open file FD when PATH is NULL, as "ran WORD". */
static void run(const char *path, int fd, const char *word) {
    pid_t p = fork();
    if (p < 0) {
        perror("fork");
        exit(1);
    }
    if (p == 0) {
        char *av[] = {"x", "ran", (char *)word, NULL};
        if (path != NULL) {
            execve(path, av, environ);
        } else {
            syscall(SYS_execveat, fd, "", av, environ, AT_EMPTY_PATH);
        }
        _exit(127);
    }
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "ran") == 0) {
        printf("%s-RAN pid=%d\n", argv[2], getpid());
        return 0;
    }
    if (argc < 5) {
        fprintf(stderr, "usage: moved_exec rename|link|dir|unlink|fd DENIED_DIR OK_DIR N\n");
        return 2;
    }
    const char *mode = argv[1], *denied = argv[2], *ok = argv[3];
    int n = atoi(argv[4]);
    image = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    setvbuf(stdout, NULL, _IONBF, 0);
    char moved[4096];
    for (int i = 0; i < n; i++) {
        char name[4096], dir[2048], movedDir[2048];
        if (strcmp(mode, "dir") == 0) {
            snprintf(dir, sizeof dir, "%s/d%d", denied, i);
            snprintf(movedDir, sizeof movedDir, "%s/d%d", ok, i);
            if (mkdir(dir, 0755) != 0) {
                perror(dir);
                return 1;
            }
            snprintf(name, sizeof name, "%s/x", dir);
            snprintf(moved, sizeof moved, "%s/x", movedDir);
        } else if (strcmp(mode, "unlink") == 0 || strcmp(mode, "fd") == 0) {
            snprintf(name, sizeof name, "%s/x%d.bin", denied, i);
        } else {
            snprintf(name, sizeof name, "%s/x%d", denied, i);
            snprintf(moved, sizeof moved, "%s/x%d", ok, i);
        }
        put(name);
        if (strcmp(mode, "fd") == 0) {
            int fd = open(name, O_RDONLY | O_CLOEXEC);
            if (fd < 0 || unlink(name) != 0) {
                printf("move %d failed: %s\n", i, strerror(errno));
            }
            run(NULL, fd, "MOVED");
            close(fd);
            wait(NULL);
            continue;
        }
        run(name, -1, "MOVED");
        spin_us((i * 37) % 1500);
        int r;
        if (strcmp(mode, "link") == 0) {
            r = link(name, moved);
            if (r == 0) {
                r = unlink(name);
            }
        } else if (strcmp(mode, "unlink") == 0) {
            r = unlink(name);
        } else if (strcmp(mode, "dir") == 0) {
            r = rename(dir, movedDir);
        } else {
            r = rename(name, moved);
        }
        if (r != 0) {
            printf("move %d failed: %s\n", i, strerror(errno));
        }
        wait(NULL);
    }
    snprintf(moved, sizeof moved, "%s/final", ok);
    put(moved);
    run(moved, -1, "FINAL");
    wait(NULL);
    return 0;
}

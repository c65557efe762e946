// Calls on names that are mount points of the program's own mount namespace (and, unprivileged,
// user namespace): renames, rmdirs and unlinks of them, renames over them, and the calls the
// kernel answers otherwise before it looks for a mount point (EXDEV, EEXIST, EACCES without the
// capabilities that override permissions). Natively each such name is busy (EBUSY) in the
// namespace it is mounted in; a mount point of another namespace only is not, and a rename over
// it detaches that namespace's mount. Prints one line per call and, at the end, which mounts are
// still there.
//
//   mount_point_names DIR    DIR: an empty directory the program may write in
//
// Prints "setup: ..." and exits 2 if it cannot make its mounts.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "own_mounts.h"

static void report(const char *what, int r) {
    printf("%-44s %s\n", what, r == 0 ? "0" : strerror(errno));
}

static int touch(const char *name) {
    int fd = open(name, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) {
        return -1;
    }
    if (write(fd, "kept\n", 5) != 5) {
        close(fd);
        return -1;
    }
    return close(fd);
}

/* Whether DIR/name is a mount point, as /proc/self/mountinfo tells (the 5th field ends with it). */
static int mounted(const char *dir, const char *name) {
    char want[8200], line[8192];
    snprintf(want, sizeof want, " %s/%s ", dir, name);
    FILE *f = fopen("/proc/self/mountinfo", "re");
    int found = 0;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        found |= strstr(line, want) != NULL;
    }
    if (f != NULL) {
        fclose(f);
    }
    return found;
}

/* Drops the capabilities that override file permissions, so that a directory of mode 0555 is not writable. */
static int drop_overrides(void) {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) != 0) {
        return -1;
    }
    unsigned drop = 1u << CAP_DAC_OVERRIDE | 1u << CAP_DAC_READ_SEARCH | 1u << CAP_FOWNER;
    d[0].effective &= ~drop;
    return (int) syscall(SYS_capset, &h, d);
}

/* A child in a mount namespace of its own mounts a tmpfs on "theirs"; the caller renames over it. */
static int over_another_namespaces_mount(void) {
    int ready[2], done[2];
    if (pipe(ready) != 0 || pipe(done) != 0) {
        return -1;
    }
    pid_t child = fork();
    if (child == 0) {
        char c = 'x';
        close(ready[0]);
        close(done[1]);
        if (unshare(CLONE_NEWNS) != 0 || mount("theirs", "theirs", "tmpfs", 0, NULL) != 0) {
            c = 'e';
        }
        if (write(ready[1], &c, 1) != 1 || read(done[0], &c, 1) != 1) {
            _exit(3);
        }
        struct stat top, below;
        int still = stat("theirs", &top) == 0 && stat(".", &below) == 0 && top.st_dev != below.st_dev;
        printf("%-44s %s\n", "their mount, renamed over, is still there", still ? "yes" : "no");
        fflush(stdout);
        _exit(0);
    }
    close(ready[1]);
    close(done[0]);
    char c;
    if (read(ready[0], &c, 1) != 1 || c != 'x') {
        return -1;
    }
    report("rename over another namespace's mount point", rename("empty3", "theirs"));
    fflush(stdout);
    if (write(done[1], &c, 1) != 1) {
        return -1;
    }
    int status;
    return waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* A child without the capabilities that override permissions, in a directory of mode 0555 holding a mount point. */
static int without_write_permission(void) {
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        if (drop_overrides() != 0) {
            _exit(3);
        }
        report("rmdir of a mount point, no write permission", rmdir("ro/mp"));
        report("rename of a mount point, no write permission", rename("ro/mp", "ro/moved"));
        report("rename over a mount point, no write permission", rename("empty", "ro/mp"));
        fflush(stdout);
        _exit(0);
    }
    int status;
    return waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: mount_point_names DIR\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *dir = argv[1];
    if (chdir(dir) != 0 || own_mounts() != 0) {
        printf("setup: namespaces: %s\n", strerror(errno));
        return 2;
    }
    if (mkdir("mp", 0755) != 0 || mkdir("full", 0755) != 0 || touch("full/below") != 0 || mkdir("empty", 0755) != 0
            || mkdir("empty2", 0755) != 0 || mkdir("empty3", 0755) != 0 || mkdir("theirs", 0755) != 0
            || touch("file") != 0 || touch("fmp") != 0 || touch("file2") != 0 || mkdir("outer", 0755) != 0
            || mkdir("outer/in", 0755) != 0 || mkdir("al", 0755) != 0 || mkdir("al/sub", 0755) != 0 || mkdir("al/e", 0755) != 0
            || mkdir("alb", 0755) != 0 || mkdir("xm", 0755) != 0 || mkdir("ro", 0755) != 0 || mkdir("ro/mp", 0755) != 0) {
        printf("setup: files: %s\n", strerror(errno));
        return 2;
    }
    // al is bound at alb before al/sub is mounted on: alb/sub is the same directory, not covered there.
    if (mount("al", "alb", NULL, MS_BIND, NULL) != 0 || mount("mp", "mp", "tmpfs", 0, NULL) != 0
            || mount("full", "full", "tmpfs", 0, NULL) != 0 || mount("file", "fmp", NULL, MS_BIND, NULL) != 0
            || mount("in", "outer/in", "tmpfs", 0, NULL) != 0 || mount("sub", "al/sub", "tmpfs", 0, NULL) != 0
            || mount("xm", "xm", "tmpfs", 0, NULL) != 0 || mkdir("xm/d", 0755) != 0
            || mount("ro", "ro/mp", "tmpfs", 0, NULL) != 0 || chmod("ro", 0555) != 0 || touch("mp/file") != 0) {
        printf("setup: mounts: %s\n", strerror(errno));
        return 2;
    }
    report("rename of a directory over a mount point", rename("empty", "mp"));
    report("rename of a mount point", rename("mp", "mp2"));
    report("rename of a mount point to itself", rename("mp", "mp"));
    report("rename of a mount point, exchanged", syscall(SYS_renameat2, AT_FDCWD, "empty", AT_FDCWD, "mp", RENAME_EXCHANGE));
    report("rename over a mount point, no replace", syscall(SYS_renameat2, AT_FDCWD, "empty", AT_FDCWD, "mp", RENAME_NOREPLACE));
    report("rename of a mount point to another mount", rename("mp", "xm/mp"));
    report("rename over a mount point from another mount", rename("xm/d", "mp"));
    report("rmdir of a mount point", rmdir("mp"));
    report("rmdir of a mount point not empty below", rmdir("full"));
    report("rename over a mount point not empty below", rename("empty", "full"));
    report("unlink of a file mount point", unlink("fmp"));
    report("rename of a file over a file mount point", rename("file2", "fmp"));
    report("rmdir of a mount point by another name", rmdir("alb/sub"));
    report("rename over a mount point by another name", rename("alb/e", "alb/sub"));
    report("rename of a directory above a mount point", rename("outer", "outer2"));
    if (over_another_namespaces_mount() != 0 || without_write_permission() != 0) {
        printf("setup: children: %s\n", strerror(errno));
        return 2;
    }
    const char *points[] = {"mp", "full", "fmp", "outer2/in", "al/sub", "xm", "ro/mp"};
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) == NULL) {
        return 2;
    }
    for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
        printf("%-44s %s\n", points[i], mounted(cwd, points[i]) ? "mounted" : "GONE");
    }
    int fd = open("mp/file", O_RDONLY | O_CLOEXEC);
    char text[16] = {0};
    printf("%-44s %s", "mp/file", fd >= 0 && read(fd, text, sizeof text - 1) > 0 ? text : "unreadable\n");
    return 0;
}

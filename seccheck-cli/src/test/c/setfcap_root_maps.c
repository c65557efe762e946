/*
 * setfcap_root_maps (run as root): writes "0 0 1" (host root) to the uid_map of a new user
 * namespace, in four cases, each in a child of its own, and prints one line per case:
 * "CASE = written" or "CASE = ERRNO". "self": the process unshares CLONE_NEWUSER and writes its
 * own map (the kernel asks whether the namespace's creator had CAP_SETFCAP, verify_root_map's
 * parent_could_setfcap); "parent": a child unshares and the process writes the child's map (the
 * kernel asks the opener for CAP_SETFCAP in the parent namespace); "forked": the process unshares
 * and a child it forks then writes the map of the namespace they share (asked as "self").
 * "drop": CAP_SETFCAP is dropped
 * from the bounding, effective, permitted and inheritable sets first; "keep": it is kept.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Drops CAP_SETFCAP from every set: 0 or an errno. */
static int drop_setfcap(void) {
    if (prctl(PR_CAPBSET_DROP, CAP_SETFCAP, 0, 0, 0) != 0) {
        return errno;
    }
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) != 0) {
        return errno;
    }
    unsigned bit = 1u << (CAP_SETFCAP % 32);
    d[CAP_SETFCAP / 32].effective &= ~bit;
    d[CAP_SETFCAP / 32].permitted &= ~bit;
    d[CAP_SETFCAP / 32].inheritable &= ~bit;
    return syscall(SYS_capset, &h, d) != 0 ? errno : 0;
}

/* Writes "0 0 1" to path: 0, or the errno of the open or of the write. */
static int map_root(const char *path) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    int e = write(fd, "0 0 1\n", 6) == 6 ? 0 : errno;
    close(fd);
    return e;
}

/* A child's map, written by its parent (this process): 0 or an errno. */
static int parent_writes(void) {
    int ready[2], done[2];
    if (pipe(ready) != 0 || pipe(done) != 0) {
        return errno;
    }
    pid_t child = fork();
    if (child < 0) {
        return errno;
    }
    if (child == 0) {
        char c = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
        if (write(ready[1], &c, 1) != 1 || read(done[0], &c, 1) < 0) {
            _exit(1);
        }
        _exit(0);
    }
    char c = 0;
    if (read(ready[0], &c, 1) != 1 || c != 'y') {
        fprintf(stderr, "unshare failed\n");
        _exit(1);
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/uid_map", child);
    int e = map_root(path);
    if (write(done[1], "x", 1) != 1) {
        e = errno;
    }
    waitpid(child, NULL, 0);
    return e;
}

static void run(const char *mode, int keep) {
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        int e = keep ? 0 : drop_setfcap();
        if (e != 0) {
            fprintf(stderr, "dropping CAP_SETFCAP: %s\n", strerror(e));
            _exit(1);
        }
        if (strcmp(mode, "parent") != 0) {
            if (unshare(CLONE_NEWUSER) != 0) {
                fprintf(stderr, "unshare failed: %s\n", strerror(errno));
                _exit(1);
            }
            if (strcmp(mode, "forked") == 0) {
                pid_t child = fork();
                if (child == 0) {
                    _exit(map_root("/proc/self/uid_map"));
                }
                int status;
                e = child < 0 ? errno : waitpid(child, &status, 0) != child ? errno : WEXITSTATUS(status);
            } else {
                e = map_root("/proc/self/uid_map");
            }
        } else {
            e = parent_writes();
        }
        printf("%s %s = %s\n", mode, keep ? "keep" : "drop", e == 0 ? "written" : strerrorname_np(e));
        fflush(stdout);
        _exit(0);
    }
    int status;
    if (p < 0 || waitpid(p, &status, 0) != p || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        _exit(1);
    }
}

int main(void) {
    run("self", 0);
    run("self", 1);
    run("parent", 0);
    run("parent", 1);
    run("forked", 0);
    return 0;
}

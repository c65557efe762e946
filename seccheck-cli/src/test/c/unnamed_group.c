// Calls that name process group 0, made where the caller's process group has no number: in a pid
// namespace whose processes' group is outside it (`unshare -pf`), getpgrp() reads 0.
//
// Usage: unnamed_group
//   Prints one line each, the answer being 0 or the errno's name:
//     group      getpgrp(): 0 where the group is outside the namespace
//     setown     fcntl(a pipe, F_SETOWN, 0): clears the file's owner, 0
//     setown_ex  fcntl(a pipe, F_SETOWN_EX, {F_OWNER_PGRP, 0}): also clears it, 0
//     setpgid    setpgid(0, 0): a group of its own, 0 (a shell's job control does it for each job)
//     new group  getpgrp() == getpid() afterwards: yes
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *answer(int r) {
    if (r == 0) {
        return "0";
    }
    const char *name = strerrorname_np(errno);
    return name ? name : "errno?";
}

int main(void) {
    int p[2];
    if (pipe(p) != 0) {
        perror("pipe");
        return 2;
    }
    printf("group %d\n", (int) getpgrp());
    printf("setown %s\n", answer(fcntl(p[0], F_SETOWN, 0)));
    struct f_owner_ex owner = {.type = F_OWNER_PGRP, .pid = 0};
    printf("setown_ex %s\n", answer(fcntl(p[0], F_SETOWN_EX, &owner)));
    printf("setpgid %s\n", answer(setpgid(0, 0)));
    printf("new group %s\n", getpgrp() == getpid() ? "yes" : "no");
    return 0;
}

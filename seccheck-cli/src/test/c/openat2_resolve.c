/* openat2_resolve.c PATH RESOLVE [PATH RESOLVE...]: openat2(AT_FDCWD, PATH, O_RDONLY) with the
   given resolve flags, and prints the result: the fd's success, or the errno's name. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    for (int i = 1; i + 1 < argc; i += 2) {
        struct open_how how = {.flags = 0, .resolve = strtoull(argv[i + 1], NULL, 0)};
        long r = syscall(SYS_openat2, AT_FDCWD, argv[i], &how, sizeof how);
        printf("openat2 %s resolve=%s = %s\n", argv[i], argv[i + 1], r < 0 ? strerrorname_np(errno) : "opened");
        if (r >= 0) {
            close((int) r);
        }
    }
    return 0;
}

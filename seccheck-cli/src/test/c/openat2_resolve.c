/* openat2_resolve.c [-C DIR] PATH RESOLVE [[-C DIR] PATH RESOLVE...]: openat2(DIRFD, PATH, O_RDONLY)
   with the given resolve flags, and prints the result: the fd's success, or the errno's name.
   DIRFD is AT_FDCWD until a "-C DIR" opens DIR (O_PATH) as the directory the pairs after it start
   from; "-C ." goes back to AT_FDCWD. A "%d" in PATH stands for that directory's fd number. */
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
    int dirfd = AT_FDCWD;
    const char *dir = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-C") == 0) {
            if (dirfd != AT_FDCWD) {
                close(dirfd);
            }
            dir = strcmp(argv[i + 1], ".") == 0 ? NULL : argv[i + 1];
            dirfd = dir == NULL ? AT_FDCWD : open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (dir != NULL && dirfd < 0) {
                printf("open %s = %s\n", dir, strerrorname_np(errno));
                return 1;
            }
            continue;
        }
        char path[4096];
        const char *fdno = strstr(argv[i], "%d");
        if (fdno != NULL) { /* the dirfd's number in place of "%d" */
            snprintf(path, sizeof path, "%.*s%d%s", (int) (fdno - argv[i]), argv[i], dirfd, fdno + 2);
        } else {
            snprintf(path, sizeof path, "%s", argv[i]);
        }
        struct open_how how = {.flags = 0, .resolve = strtoull(argv[i + 1], NULL, 0)};
        long r = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        printf("openat2 %s%s%s resolve=%s = %s\n", dir == NULL ? "" : dir, dir == NULL ? "" : " ", argv[i],
               argv[i + 1], r < 0 ? strerrorname_np(errno) : "opened");
        if (r >= 0) {
            close((int) r);
        }
    }
    return 0;
}

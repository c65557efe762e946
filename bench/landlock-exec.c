// landlock-exec CMD [ARG...]: confines itself with a Landlock ruleset that handles reading and
// writing files and grants both beneath /, so CMD runs in a domain of its own that refuses it
// nothing: what a confined program's calls cost, not what its rules refuse.
#define _GNU_SOURCE
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/types.h>
struct ruleset_attr { __u64 handled_access_fs; };
struct path_beneath_attr { __u64 allowed_access; __s32 parent_fd; } __attribute__((packed));
int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: landlock-exec CMD [ARG...]\n"); return 2; }
    __u64 rw = (1ULL << 1) | (1ULL << 2); // LANDLOCK_ACCESS_FS_WRITE_FILE, READ_FILE
    struct ruleset_attr attr = {rw};
    int rs = syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
    struct path_beneath_attr all = {rw, open("/", O_PATH | O_CLOEXEC)};
    if (rs < 0 || syscall(SYS_landlock_add_rule, rs, 1, &all, 0) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
            || syscall(SYS_landlock_restrict_self, rs, 0)) { perror("landlock"); return 2; }
    execvp(argv[1], argv + 1);
    perror(argv[1]);
    return 127;
}

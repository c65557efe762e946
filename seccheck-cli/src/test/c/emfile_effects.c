// emfile_effects DIR full|room: opens that would create or truncate a file, made by a program
// whose descriptor table is full ("full": every slot below its RLIMIT_NOFILE taken, the limit
// lowered to the table) or has room ("room"). Natively a full table fails each with EMFILE before
// the path is looked at: nothing is created, the 12-byte file keeps its bytes. Prints each call's
// outcome, then which files exist and the old file's size. Then opens that fail whatever the
// table: with it full, natively each fails with EMFILE too, before its own error.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void outcome(const char *what, int fd) {
    printf("%s: %s\n", what, fd >= 0 ? "ok" : errno == EMFILE ? "EMFILE" : strerror(errno));
    if (fd >= 0) {
        close(fd);
    }
}

static int exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        return 2;
    }
    char made[4096], old[4096], creat2[4096], how2[4096], missing[4096], under[4096], link[4096];
    snprintf(made, sizeof made, "%s/made", argv[1]);
    snprintf(old, sizeof old, "%s/old", argv[1]);
    snprintf(creat2, sizeof creat2, "%s/creat", argv[1]);
    snprintf(how2, sizeof how2, "%s/openat2", argv[1]);
    snprintf(missing, sizeof missing, "%s/missing", argv[1]);
    snprintf(under, sizeof under, "%s/old/x", argv[1]);
    snprintf(link, sizeof link, "%s/link", argv[1]);
    unlink(link);
    unlink(made);
    unlink(creat2);
    unlink(how2);
    int f = open(old, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (f < 0 || write(f, "hello world\n", 12) != 12) {
        return 3;
    }
    close(f);
    if (symlink(old, link) != 0) {
        return 3;
    }
    if (strcmp(argv[2], "full") == 0) {
        struct rlimit few = {64, 64}; // few to fill: each open is emulated under seccheck
        if (setrlimit(RLIMIT_NOFILE, &few) != 0) {
            return 4;
        }
        int max = 0;
        for (int i = 0; i < 4096; i++) {
            int d = open("/dev/null", O_RDONLY);
            if (d < 0) {
                break;
            }
            max = d > max ? d : max;
        }
        struct rlimit rl = {max + 1, max + 1};
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            return 5;
        }
    }
    outcome("open O_CREAT|O_EXCL", open(made, O_WRONLY | O_CREAT | O_EXCL, 0600));
    outcome("open O_TRUNC", open(old, O_WRONLY | O_TRUNC));
    outcome("creat", creat(creat2, 0600));
    struct open_how how = {.flags = O_WRONLY | O_CREAT, .mode = 0600};
    outcome("openat2 O_CREAT", (int)syscall(SYS_openat2, AT_FDCWD, how2, &how, sizeof how));
    struct stat st;
    printf("made: %d creat: %d openat2: %d old size: %ld\n", exists(made), exists(creat2), exists(how2),
           stat(old, &st) == 0 ? (long)st.st_size : -1L);
    outcome("open missing", open(missing, O_RDONLY));
    outcome("open under a file", open(under, O_RDONLY));
    outcome("open O_NOFOLLOW of a link", open(link, O_RDONLY | O_NOFOLLOW));
    outcome("open O_EXCL of a file", open(old, O_WRONLY | O_CREAT | O_EXCL, 0600));
    outcome("open a directory for writing", open(argv[1], O_WRONLY));
    return 0;
}

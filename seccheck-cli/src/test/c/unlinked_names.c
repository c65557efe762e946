// Opens and links of files whose names were removed, through /proc/self/fd and AT_EMPTY_PATH:
// an unlinked file reopened for reading and writing, a removed directory reopened and created in,
// an O_TMPFILE file reopened and given a name both ways, an unlinked file given a name again.
// Prints each case and its result ("ok" or the errno's name), to compare natively and under
// seccheck, in seccheck's mount namespace and in one of the program's own (unshare -m), where
// seccheck named none of these files before (red-team round 15: every case EACCES there).
//
// Usage: unlinked_names DIR
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void say(const char *what, int r) {
    printf("%-30s %s\n", what, r < 0 ? strerrorname_np(errno) : "ok");
    if (r > 2) {
        close(r);
    }
}

static const char *fdpath(int fd) {
    static char b[64];
    snprintf(b, sizeof b, "/proc/self/fd/%d", fd);
    return b;
}

int main(int argc, char **argv) {
    if (argc != 2 || chdir(argv[1]) != 0) {
        fprintf(stderr, "usage: unlinked_names DIR\n");
        return 2;
    }
    int f = open("f", O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (f < 0 || write(f, "hi", 2) != 2 || unlink("f") != 0) {
        perror("f");
        return 1;
    }
    say("reopen unlinked, read", open(fdpath(f), O_RDONLY | O_CLOEXEC));
    say("reopen unlinked, write", open(fdpath(f), O_WRONLY | O_CLOEXEC));
    say("relink unlinked", linkat(AT_FDCWD, fdpath(f), AT_FDCWD, "again", AT_SYMLINK_FOLLOW));

    if (mkdir("d", 0755) != 0) {
        perror("d");
        return 1;
    }
    int d = open("d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0 || rmdir("d") != 0) {
        perror("d");
        return 1;
    }
    say("reopen removed directory", open(fdpath(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    say("create in removed directory", openat(d, "x", O_CREAT | O_RDWR | O_CLOEXEC, 0644));

    int t = open(".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
    if (t < 0 || write(t, "hi", 2) != 2) {
        perror("O_TMPFILE");
        return 1;
    }
    say("reopen O_TMPFILE", open(fdpath(t), O_RDONLY | O_CLOEXEC));
    say("link O_TMPFILE by /proc", linkat(AT_FDCWD, fdpath(t), AT_FDCWD, "linked1", AT_SYMLINK_FOLLOW));
    int t2 = open(".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
    say("link O_TMPFILE by fd", t2 < 0 ? t2 : linkat(t2, "", AT_FDCWD, "linked2", AT_EMPTY_PATH));
    return 0;
}

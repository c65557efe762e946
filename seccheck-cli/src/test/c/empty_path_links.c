/*
 * empty_path_links DIR: in DIR, links by their descriptor (linkat(fd, "", AT_FDCWD, name,
 * AT_EMPTY_PATH)) a regular file it opened, an O_TMPFILE, an O_TMPFILE opened with O_EXCL (which
 * may never be linked) and a directory, and prints one line per case: "CASE = 0" or "CASE = ERRNO".
 * Without CAP_DAC_READ_SEARCH the kernel (Linux 6.10 and later) links only a file the caller
 * itself opened, with the credentials it has now.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void report(const char *what, int r) {
    printf("%s = %s\n", what, r == 0 ? "0" : strerrorname_np(errno));
}

int main(int argc, char **argv) {
    if (argc != 2 || chdir(argv[1]) != 0) {
        perror("chdir");
        return 2;
    }
    unlink("src");
    unlink("regular");
    unlink("tmpfile");
    unlink("excl");
    unlink("dir");
    int f = open("src", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    report("regular", linkat(f, "", AT_FDCWD, "regular", AT_EMPTY_PATH));
    int t = open(".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    report("tmpfile", linkat(t, "", AT_FDCWD, "tmpfile", AT_EMPTY_PATH));
    int x = open(".", O_TMPFILE | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    report("tmpfile_excl", linkat(x, "", AT_FDCWD, "excl", AT_EMPTY_PATH));
    int d = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    report("directory", linkat(d, "", AT_FDCWD, "dir", AT_EMPTY_PATH));
    return f < 0 || t < 0 || x < 0 || d < 0 ? 1 : 0;
}

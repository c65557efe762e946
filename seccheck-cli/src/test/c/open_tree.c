/*
 * open_tree: O_PATH descriptors got by open_tree(2) and open_tree_attr(2) without
 * OPEN_TREE_CLONE, beside open(2)'s. Prints each call's answer ("fd" or the errno's name) and,
 * for a descriptor, what it is, so that a native run and one under seccheck compare line for line.
 *
 *   open_tree kept FILE   open(O_PATH), open_tree and open_tree_attr of FILE (by its path, by
 *                         its name in its directory, with AT_SYMLINK_NOFOLLOW), and a read of
 *                         each descriptor got through /proc/self/fd/N
 *   open_tree cases DIR   successes and failures on DIR/file, DIR/link (a symlink to file),
 *                         DIR/missing: flags, AT_EMPTY_PATH, symlinks, a trailing slash, bad
 *                         arguments, unreadable memory, OPEN_TREE_CLONE (EPERM unprivileged)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define OPEN_TREE 428
#define OPEN_TREE_ATTR 467
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

static long open_tree(int dfd, const char *path, unsigned flags) {
    return syscall(OPEN_TREE, dfd, path, flags);
}

static long open_tree_attr(int dfd, const char *path, unsigned flags, void *attr, size_t size) {
    return syscall(OPEN_TREE_ATTR, dfd, path, flags, attr, size);
}

/* What the descriptor r is: O_PATH or not, close-on-exec or not, the kind and inode of its file
 * (as "the file", "the link", "the dir" by comparing with DIR's entries), or the errno. */
static const char *expect_file, *expect_link, *expect_dir;

static void describe(const char *what, long r) {
    if (r < 0) {
        const char *name = strerrorname_np(errno);
        printf("%s = %s\n", what, name ? name : "E?");
        return;
    }
    int fd = (int) r;
    int fl = fcntl(fd, F_GETFL), fdf = fcntl(fd, F_GETFD);
    struct stat st, f, l, d;
    fstat(fd, &st);
    const char *is = "something else";
    if (expect_file && stat(expect_file, &f) == 0 && st.st_ino == f.st_ino && st.st_dev == f.st_dev) {
        is = "the file";
    } else if (expect_link && lstat(expect_link, &l) == 0 && st.st_ino == l.st_ino && st.st_dev == l.st_dev) {
        is = "the link";
    } else if (expect_dir && stat(expect_dir, &d) == 0 && st.st_ino == d.st_ino && st.st_dev == d.st_dev) {
        is = "the dir";
    }
    printf("%s = fd%s%s, %s\n", what, (fl & O_PATH) ? " O_PATH" : "", (fdf & FD_CLOEXEC) ? " cloexec" : "", is);
    close(fd);
}

/* Reads what the O_PATH descriptor r holds through its /proc/self/fd link, as another process given it would. */
static void read_through(const char *what, long r) {
    if (r < 0) {
        describe(what, r);
        return;
    }
    char link[64], buf[64] = {0};
    snprintf(link, sizeof link, "/proc/self/fd/%d", (int) r);
    int fd = open(link, O_RDONLY);
    if (fd < 0) {
        printf("%s: read through it %s\n", what, strerrorname_np(errno));
    } else {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        printf("%s: read through it \"%.*s\"\n", what, n > 0 ? (int) strcspn(buf, "\n") : 0, buf);
        close(fd);
    }
    describe(what, r);
}

static int kept(const char *file) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", file);
    char *slash = strrchr(dir, '/');
    *slash = 0;
    const char *name = slash + 1;
    int dfd = open(dir, O_PATH | O_DIRECTORY);
    if (dfd < 0) {
        printf("open dir %s\n", strerrorname_np(errno));
        return 1;
    }
    expect_file = file;
    read_through("open O_PATH", open(file, O_PATH | O_CLOEXEC));
    read_through("open_tree", open_tree(AT_FDCWD, file, OPEN_TREE_CLOEXEC));
    read_through("open_tree no flags", open_tree(AT_FDCWD, file, 0));
    read_through("open_tree by name", open_tree(dfd, name, OPEN_TREE_CLOEXEC));
    read_through("open_tree nofollow", open_tree(AT_FDCWD, file, AT_SYMLINK_NOFOLLOW));
    read_through("open_tree_attr", open_tree_attr(AT_FDCWD, file, OPEN_TREE_CLOEXEC, NULL, 0));
    read_through("open_tree_attr by name", open_tree_attr(dfd, name, 0, NULL, 0));
    return 0;
}

static int cases(const char *dir) {
    char file[4096], link[4096], missing[4096], slashed[4096];
    snprintf(file, sizeof file, "%s/file", dir);
    snprintf(link, sizeof link, "%s/link", dir);
    snprintf(missing, sizeof missing, "%s/missing", dir);
    snprintf(slashed, sizeof slashed, "%s/file/", dir);
    expect_file = file;
    expect_link = link;
    expect_dir = dir;
    int dfd = open(dir, O_PATH | O_DIRECTORY);
    int rfd = open(file, O_RDONLY);
    if (dfd < 0 || rfd < 0 || chdir(dir) != 0) {
        printf("open %s\n", strerrorname_np(errno));
        return 1;
    }
    unsigned char zero[32] = {0};
    void *unmapped = (void *) 8;
    describe("file", open_tree(AT_FDCWD, file, 0));
    describe("file cloexec", open_tree(AT_FDCWD, file, OPEN_TREE_CLOEXEC));
    describe("relative", open_tree(AT_FDCWD, "file", 0));
    describe("by dirfd", open_tree(dfd, "file", 0));
    describe("dir", open_tree(AT_FDCWD, dir, 0));
    describe("link followed", open_tree(AT_FDCWD, link, 0));
    describe("link nofollow", open_tree(AT_FDCWD, link, AT_SYMLINK_NOFOLLOW));
    describe("no automount", open_tree(AT_FDCWD, file, AT_NO_AUTOMOUNT));
    describe("missing", open_tree(AT_FDCWD, missing, 0));
    describe("trailing slash", open_tree(AT_FDCWD, slashed, 0));
    describe("empty", open_tree(AT_FDCWD, "", 0));
    describe("empty AT_EMPTY_PATH cwd", open_tree(AT_FDCWD, "", AT_EMPTY_PATH));
    describe("empty AT_EMPTY_PATH file fd", open_tree(rfd, "", AT_EMPTY_PATH));
    describe("empty AT_EMPTY_PATH closed", open_tree(77, "", AT_EMPTY_PATH));
    describe("AT_EMPTY_PATH with a name", open_tree(dfd, "file", AT_EMPTY_PATH));
    describe("closed dirfd", open_tree(77, "file", 0));
    describe("file as dirfd", open_tree(rfd, "x", 0));
    describe("unknown flag", open_tree(AT_FDCWD, file, 0x10000000));
    describe("AT_RECURSIVE without clone", open_tree(AT_FDCWD, file, AT_RECURSIVE));
    describe("unmapped name", open_tree(AT_FDCWD, unmapped, 0));
    describe("attr NULL", open_tree_attr(AT_FDCWD, file, 0, NULL, 0));
    describe("attr NULL size 8", open_tree_attr(AT_FDCWD, file, 0, NULL, 8));
    describe("attr zero", open_tree_attr(AT_FDCWD, file, 0, zero, sizeof zero));
    describe("attr unknown flag", open_tree_attr(AT_FDCWD, file, 0x10000000, NULL, 0));
    describe("attr missing", open_tree_attr(AT_FDCWD, missing, 0, NULL, 0));
    describe("clone", open_tree(AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    describe("attr clone", open_tree_attr(AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC, NULL, 0));
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 3 && strcmp(argv[1], "kept") == 0) {
        return kept(argv[2]);
    }
    if (argc == 3 && strcmp(argv[1], "cases") == 0) {
        return cases(argv[2]);
    }
    fprintf(stderr, "usage: open_tree kept FILE | cases DIR\n");
    return 2;
}

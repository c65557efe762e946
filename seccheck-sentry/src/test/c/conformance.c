/* conformance: a few hundred opens, links, renames, calls on one name (unlink, rmdir, mkdir, mknod,
 * symlink, truncate, chmod, chown, extended attributes), connects and sends, and the socket options
 * that may set a source route, with varied flags, dirfds, relative paths, modes and
 * umasks, printing one line per call: the result (fd number, or errno name) and what the fd is
 * (type, permission bits, status flags, close-on-exec), or after a call on names what each name is
 * now (type and link count). Run in an empty scratch directory; its output must be the same
 * natively and under seccheck (EmulationConformanceTest). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/* A name as C escapes, so a line shows every byte of it. */
static const char *bytes_of(const char *name) {
    static char out[4][256];
    static int next;
    char *o = out[next++ % 4];
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)name; *c && n < 250; c++) {
        n += (size_t)snprintf(o + n, 256 - n, *c >= 0x20 && *c < 0x7f ? "%c" : "\\x%02x", *c);
    }
    o[n] = 0;
    return o;
}

static void show(const char *what, long r) {
    if (r < 0) {
        printf("%s = %s\n", what, strerrorname_np(errno));
        return;
    }
    struct stat st;
    fstat((int)r, &st);
    int fl = fcntl((int)r, F_GETFL);
    int fd = fcntl((int)r, F_GETFD);
    printf("%s = %ld type=%o perm=%04o fl=%o cloexec=%d size=%ld\n", what, r, st.st_mode & S_IFMT, st.st_mode & 07777,
           fl, fd & FD_CLOEXEC, (long)st.st_size);
    close((int)r);
}

/* The type and link count of a name (not followed), or the errno of its lstat. */
static void name_state(const char *name) {
    struct stat st;
    if (lstat(name, &st) < 0) printf("  %s: %s\n", bytes_of(name), strerrorname_np(errno));
    else printf("  %s: type=%o nlink=%ld\n", bytes_of(name), st.st_mode & S_IFMT, (long)st.st_nlink);
}

static void named(const char *what, long r, const char *a, const char *b) {
    if (r < 0) printf("%s = %s\n", what, strerrorname_np(errno));
    else printf("%s = %ld\n", what, r);
    name_state(a);
    name_state(b);
}

/* Links and renames at their edges, each followed by the state of the names involved; the tree is
   put back after each one that succeeded. */
static void links_and_renames(int dirfd, int filefd) {
    char what[512];
    struct { const char *from, *to; int flags; } links[] = {
        {"file", "l1", 0}, {"file", "file", 0}, {"missing", "l2", 0}, {"dir", "l3", 0}, {"file", "dir/", 0},
        {"file/", "l4", 0}, {"link", "l5", 0}, {"link", "l6", AT_SYMLINK_FOLLOW}, {"dangling", "l7", 0},
        {"dangling", "l8", AT_SYMLINK_FOLLOW}, {"loop", "l9", 0}, {"loop", "l10", AT_SYMLINK_FOLLOW},
        {"file", "missing-dir/x", 0}, {"file", "file/x", 0}, {"file", "", 0}, {"", "l11", 0}, {"file", ".", 0},
        {"file", "/", 0}, {"/proc/self/cwd/file", "l12", 0}, {"file", "/proc/self/cwd/l13", 0},
        {"dir/sub/../../file", "dirlink/l14", 0}, {"viaproc", "l15", AT_SYMLINK_FOLLOW}, {"file", "l16", 1},
        {"file", "l17/", 0}, {"file", "/dev/shm/seccheck-conformance-l18", 0}};
    for (unsigned i = 0; i < sizeof links / sizeof *links; i++) {
        snprintf(what, sizeof what, "linkat(\"%s\", \"%s\", 0x%x)", links[i].from, links[i].to, links[i].flags);
        long r = syscall(SYS_linkat, AT_FDCWD, links[i].from, AT_FDCWD, links[i].to, links[i].flags);
        named(what, r, links[i].from, links[i].to);
        if (r == 0) unlink(links[i].to);
    }
    named("linkat(dirfd, \"sub\", dirfd, \"sub2\")", syscall(SYS_linkat, dirfd, "sub", dirfd, "sub2", 0), "dir/sub",
          "dir/sub2");
    long r = syscall(SYS_linkat, dirfd, "../file", dirfd, "l19", 0);
    named("linkat(dirfd, \"../file\", dirfd, \"l19\")", r, "file", "dir/l19");
    unlink("dir/l19");
    r = syscall(SYS_linkat, filefd, "", AT_FDCWD, "l20", AT_EMPTY_PATH);
    named("linkat(filefd, \"\", \"l20\", AT_EMPTY_PATH)", r, "file", "l20");
    unlink("l20");
    named("link(\"file\", \"l21\")", syscall(SYS_link, "file", "l21"), "file", "l21");
    unlink("l21");
    named("linkat(999, \"file\")", syscall(SYS_linkat, 999, "file", AT_FDCWD, "l22", 0), "file", "l22");
    named("linkat(bad pointer)", syscall(SYS_linkat, AT_FDCWD, (char *)8, AT_FDCWD, "l23", 0), "file", "l23");

    struct { const char *from, *to; unsigned flags; } renames[] = {
        {"file", "r1", 0}, {"file", "file", 0}, {"missing", "r2", 0}, {"dir", "dir/sub/r3", 0}, {"dir/sub", "dir", 0},
        {"file", "dir", 0}, {"dir", "file", 0}, {"file/", "r4", 0}, {".", "r5", 0}, {"file", ".", 0}, {"..", "r6", 0},
        {"/", "r7", 0}, {"file", "link", RENAME_NOREPLACE}, {"file", "link", RENAME_EXCHANGE},
        {"file", "missing", RENAME_EXCHANGE}, {"file", "r8", 8}, {"file", "r9", RENAME_EXCHANGE | RENAME_NOREPLACE},
        {"link", "r10", 0}, {"file", "dirlink/r11", 0}, {"file", "dangling", 0}, {"dir/sub/../../file", "r12", 0},
        {"viaproc", "r13", 0}, {"file", "/dev/shm/seccheck-conformance-r14", 0}, {"dir", "r15/", 0},
        {"file", "r16/", 0}, {"dirlink/", "r17", 0}, {"", "r18", 0}, {"file", "", 0}, {"dir/sub", "r19", 0},
        {"/proc/self/cwd/file", "r20", 0}};
    for (unsigned i = 0; i < sizeof renames / sizeof *renames; i++) {
        snprintf(what, sizeof what, "renameat2(\"%s\", \"%s\", %u)", renames[i].from, renames[i].to,
                 renames[i].flags);
        r = syscall(SYS_renameat2, AT_FDCWD, renames[i].from, AT_FDCWD, renames[i].to, renames[i].flags);
        named(what, r, renames[i].from, renames[i].to);
        if (r == 0) {
            /* put it back: an exchange by exchanging again, a move by moving back */
            syscall(SYS_renameat2, AT_FDCWD, renames[i].to, AT_FDCWD, renames[i].from, renames[i].flags);
            if (!strcmp(renames[i].to, "dangling") && !strcmp(renames[i].from, "file")) {
                rename("dangling", "file");
                symlink("missing-target", "dangling");
            }
        }
    }
    named("renameat(dirfd, \"sub\", dirfd, \"sub2\")", syscall(SYS_renameat, dirfd, "sub", dirfd, "sub2"), "dir/sub",
          "dir/sub2");
    rename("dir/sub2", "dir/sub");
    named("rename(\"file\", \"r21\")", syscall(SYS_rename, "file", "r21"), "file", "r21");
    rename("r21", "file");
    named("renameat(999, \"file\")", syscall(SYS_renameat, 999, "file", AT_FDCWD, "r22"), "file", "r22");
    named("rename(bad pointer)", syscall(SYS_rename, "file", (char *)8), "file", "file");
    int w = open("w1", O_CREAT | O_WRONLY, 0600);
    close(w);
    named("renameat2(\"w1\", \"w2\", RENAME_WHITEOUT)",
          syscall(SYS_renameat2, AT_FDCWD, "w1", AT_FDCWD, "w2", RENAME_WHITEOUT), "w1", "w2");
    unlink("w1");
    unlink("w2");
}

static void result(const char *what, long r) {
    if (r < 0) printf("%s = %s\n", what, strerrorname_np(errno));
    else printf("%s = %ld\n", what, r);
}

/* The names in a directory, sorted, shown byte for byte. */
static void listing(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) {
        printf("  list %s: %s\n", bytes_of(dir), strerrorname_np(errno));
        return;
    }
    char names[64][256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) snprintf(names[n++], 256, "%s", e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, (int (*)(const void *, const void *))strcmp);
    for (int i = 0; i < n; i++) printf("  %s/%s\n", bytes_of(dir), bytes_of(names[i]));
}

/* Names that are not UTF-8 (Latin-1, stray bytes): a file name is any bytes but NUL, and the
   emulation must name exactly the file the program named, not a decoded and re-encoded one. */
static void names_as_bytes(void) {
    char what[512];
    const char *made[] = {"caf\xe9", "d\xff/f\xe9", "d\xff/\xc3\xa9t\xc3\xa9", "d\xff/\xed\xa0\x80",
                          "d\xff/\xc0\xaf", "d\xff/\xf4\x90\x80\x80", "d\xff/\xe2\x82", "d\xff/ok\xf0\x9f\x92\x80"};
    printf("mkdir(\"d\\xff\") = %d\n", mkdir("d\xff", 0755));
    for (unsigned i = 0; i < sizeof made / sizeof *made; i++) {
        snprintf(what, sizeof what, "openat(\"%s\", O_CREAT|O_WRONLY, 0640)", bytes_of(made[i]));
        show(what, openat(AT_FDCWD, made[i], O_CREAT | O_WRONLY, 0640));
    }
    listing(".");
    listing("d\xff");
    symlink("caf\xe9", "l\xff");
    show("openat(\"l\\xff\") through a link to caf\\xe9", openat(AT_FDCWD, "l\xff", O_RDONLY));
    symlink("d\xff", "dl\xfe");
    show("openat(\"dl\\xfe/f\\xe9\") through a link to d\\xff", openat(AT_FDCWD, "dl\xfe/f\xe9", O_RDONLY));
    show("openat(\"caf\\xc3\\xa9\"), the UTF-8 spelling, missing", openat(AT_FDCWD, "caf\xc3\xa9", O_RDONLY));
    named("linkat(\"caf\\xe9\", \"d\\xff/h\\xe9\")", syscall(SYS_linkat, AT_FDCWD, "caf\xe9", AT_FDCWD, "d\xff/h\xe9", 0),
          "caf\xe9", "d\xff/h\xe9");
    named("rename(\"d\\xff/h\\xe9\", \"d\\xff/r\\xfe\")", syscall(SYS_rename, "d\xff/h\xe9", "d\xff/r\xfe"),
          "d\xff/h\xe9", "d\xff/r\xfe");
    named("rename(\"d\\xff\", \"e\\xfe\")", syscall(SYS_rename, "d\xff", "e\xfe"), "d\xff", "e\xfe");
    listing("e\xfe");
    rename("e\xfe", "d\xff");
    int us = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    strcpy(sun.sun_path, "d\xff/s\xfe");
    result("unix bind \"d\\xff/s\\xfe\"", bind(us, (struct sockaddr *)&sun, sizeof sun));
    listen(us, 4);
    int uc = socket(AF_UNIX, SOCK_STREAM, 0);
    result("unix connect \"d\\xff/s\\xfe\"", connect(uc, (struct sockaddr *)&sun, sizeof sun));
    close(uc);
    close(us);
    listing("d\xff");
    /* chdir is held too (its directory decided at the enter, checked at the exit): a name that is
       not UTF-8 was read as text there, walked as another name, and the process killed for a
       chdir "another thread" had changed (red-team round 22). */
    int here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char cwd[4096];
    result("chdir(\"d\\xff\")", chdir("d\xff"));
    printf("  cwd's last name %s\n", getcwd(cwd, sizeof cwd) ? bytes_of(strrchr(cwd, '/') + 1) : "unknown");
    result("fchdir back", fchdir(here));
    close(here);
}

/* The calls on one name (make, remove, truncate, chmod, chown, extended attributes), at their
   edges, each followed by the state of the name; what one made is removed again so each case
   starts from the same tree. */
static void one_name_calls(int dirfd, int filefd) {
    char what[512];
    int f = open("victim", O_CREAT | O_WRONLY, 0644);
    write(f, "content\n", 8);
    close(f);
    mkdir("edir", 0755);
    mkdir("full", 0755);
    close(open("full/x", O_CREAT | O_WRONLY, 0644));
    const char *unlinks[] = {"victim", "missing", "edir", "victim/", "link", "dirlink/", ".", "..", "/", "",
                             "missing-dir/x", "file/x", "dangling"};
    for (unsigned i = 0; i < sizeof unlinks / sizeof *unlinks; i++) {
        snprintf(what, sizeof what, "unlink(\"%s\")", unlinks[i]);
        long r = syscall(SYS_unlink, unlinks[i]);
        named(what, r, unlinks[i], "victim");
        if (r == 0 && !strcmp(unlinks[i], "victim")) close(open("victim", O_CREAT | O_WRONLY, 0644));
        if (r == 0 && !strcmp(unlinks[i], "link")) symlink("file", "link");
        if (r == 0 && !strcmp(unlinks[i], "dangling")) symlink("missing-target", "dangling");
    }
    named("unlink(bad pointer)", syscall(SYS_unlink, (char *)8), "victim", "victim");
    named("unlinkat(dirfd, \"sub\", 0)", syscall(SYS_unlinkat, dirfd, "sub", 0), "dir/sub", "dir/sub");
    named("unlinkat(\"victim\", AT_REMOVEDIR)", syscall(SYS_unlinkat, AT_FDCWD, "victim", AT_REMOVEDIR), "victim",
          "victim");
    named("unlinkat(\"victim\", 0x1)", syscall(SYS_unlinkat, AT_FDCWD, "victim", 1), "victim", "victim");
    named("unlinkat(bad pointer, 0x1)", syscall(SYS_unlinkat, AT_FDCWD, (char *)8, 1), "victim", "victim");
    named("unlinkat(999, \"victim\")", syscall(SYS_unlinkat, 999, "victim", 0), "victim", "victim");

    const char *rmdirs[] = {"edir", "full", ".", "..", "/", "victim", "missing", "dirlink", "dirlink/", "edir/",
                            "full/x/", ""};
    for (unsigned i = 0; i < sizeof rmdirs / sizeof *rmdirs; i++) {
        snprintf(what, sizeof what, "rmdir(\"%s\")", rmdirs[i]);
        long r = syscall(SYS_rmdir, rmdirs[i]);
        named(what, r, rmdirs[i], "edir");
        if (r == 0) mkdir("edir", 0755);
    }
    named("unlinkat(dirfd, \"sub\", AT_REMOVEDIR)", syscall(SYS_unlinkat, dirfd, "sub", AT_REMOVEDIR), "dir/sub",
          "dir/sub");
    mkdir("dir/sub", 0700);

    const char *mkdirs[] = {"new", "new/", "edir", ".", "missing-dir/x", "file/x", "dangling", "link", "/", ""};
    for (unsigned m = 0; m < 2; m++) {
        umask(m ? 077 : 022);
        for (unsigned i = 0; i < sizeof mkdirs / sizeof *mkdirs; i++) {
            snprintf(what, sizeof what, "umask %s mkdir(\"%s\", 0777)", m ? "077" : "022", mkdirs[i]);
            long r = syscall(SYS_mkdir, mkdirs[i], 0777);
            struct stat st;
            if (r == 0 && stat(mkdirs[i], &st) == 0) printf("%s = 0 perm=%04o\n", what, st.st_mode & 07777);
            else named(what, r, mkdirs[i], "new");
            if (r == 0) rmdir(mkdirs[i]);
        }
    }
    umask(022);
    named("mkdirat(dirfd, \"made\", 0700)", syscall(SYS_mkdirat, dirfd, "made", 0700), "dir/made", "dir/made");
    rmdir("dir/made");
    named("mkdir(bad pointer)", syscall(SYS_mkdir, (char *)8, 0700), "new", "new");

    struct { const char *name; unsigned mode; unsigned dev; } nodes[] = {
        {"fifo2", S_IFIFO | 0640, 0}, {"plain", 0600, 0}, {"reg", S_IFREG | 0600, 0}, {"sock", S_IFSOCK | 0600, 0},
        {"dirnode", S_IFDIR | 0700, 0}, {"odd", 0170000 | 0600, 0}, {"victim", S_IFIFO | 0600, 0},
        {"trail/", S_IFIFO | 0600, 0}, {"missing-dir/n", S_IFIFO | 0600, 0}, {"null", S_IFCHR | 0666, makedev(1, 3)},
        {"", S_IFIFO | 0600, 0}};
    for (unsigned i = 0; i < sizeof nodes / sizeof *nodes; i++) {
        snprintf(what, sizeof what, "mknod(\"%s\", 0%o, %u)", nodes[i].name, nodes[i].mode, nodes[i].dev);
        long r = syscall(SYS_mknod, nodes[i].name, nodes[i].mode, nodes[i].dev);
        struct stat st;
        if (r == 0 && lstat(nodes[i].name, &st) == 0)
            printf("%s = 0 type=%o perm=%04o rdev=%lx\n", what, st.st_mode & S_IFMT, st.st_mode & 07777,
                   (unsigned long)st.st_rdev);
        else named(what, r, nodes[i].name, nodes[i].name);
        if (r == 0) unlink(nodes[i].name);
    }
    named("mknod(bad pointer, fifo)", syscall(SYS_mknod, (char *)8, S_IFIFO | 0600, 0), "victim", "victim");
    named("mknod(bad pointer, directory)", syscall(SYS_mknod, (char *)8, S_IFDIR | 0600, 0), "victim", "victim");
    named("mknodat(dirfd, \"f\")", syscall(SYS_mknodat, dirfd, "f", S_IFIFO | 0600, 0), "dir/f", "dir/f");
    unlink("dir/f");

    struct { const char *target, *name; } links[] = {
        {"file", "s1"}, {"missing-target", "s2"}, {"caf\xe9", "s3"}, {"file", "victim"}, {"", "s4"},
        {"file", "s5/"}, {"file", "missing-dir/s6"}, {"file", "."}, {"file", ""}, {"/proc/self/cwd/file", "s7"}};
    for (unsigned i = 0; i < sizeof links / sizeof *links; i++) {
        snprintf(what, sizeof what, "symlink(\"%s\", \"%s\")", bytes_of(links[i].target), links[i].name);
        long r = syscall(SYS_symlink, links[i].target, links[i].name);
        char text[256];
        ssize_t n = r == 0 ? readlink(links[i].name, text, sizeof text - 1) : -1;
        if (n >= 0) {
            text[n] = 0;
            printf("%s = 0 -> %s\n", what, bytes_of(text));
            unlink(links[i].name);
        } else {
            named(what, r, links[i].name, links[i].name);
        }
    }
    named("symlink(bad pointer, \"s8\")", syscall(SYS_symlink, (char *)8, "s8"), "s8", "s8");
    named("symlink(\"\", bad pointer)", syscall(SYS_symlink, "", (char *)8), "s8", "s8");
    named("symlink(\"file\", bad pointer)", syscall(SYS_symlink, "file", (char *)8), "s8", "s8");
    named("symlinkat(\"../file\", dirfd, \"s9\")", syscall(SYS_symlinkat, "../file", dirfd, "s9"), "dir/s9", "dir/s9");
    unlink("dir/s9");

    struct { const char *name; long length; } cuts[] = {
        {"victim", 3}, {"victim", 0}, {"victim", -1}, {"dir", 0}, {"missing", 0}, {"fifo", 0}, {"link", 2},
        {"victim/", 0}, {"", 0}};
    for (unsigned i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        snprintf(what, sizeof what, "truncate(\"%s\", %ld)", cuts[i].name, cuts[i].length);
        long r = syscall(SYS_truncate, cuts[i].name, cuts[i].length);
        struct stat st;
        if (r == 0 && stat(cuts[i].name, &st) == 0) printf("%s = 0 size=%ld\n", what, (long)st.st_size);
        else named(what, r, cuts[i].name, cuts[i].name);
    }
    f = open("file", O_WRONLY | O_TRUNC);
    write(f, "content\n", 8);
    close(f);

    struct { const char *name; unsigned mode; } modes[] = {
        {"victim", 0600}, {"victim", 07777}, {"link", 0640}, {"dangling", 0600}, {"loop", 0600}, {"missing", 0600},
        {"victim/", 0600}, {"dir", 0700}, {"dirlink/", 0750}, {"", 0600}, {"/proc/self/cwd/victim", 0644}};
    for (unsigned i = 0; i < sizeof modes / sizeof *modes; i++) {
        snprintf(what, sizeof what, "chmod(\"%s\", 0%o)", modes[i].name, modes[i].mode);
        long r = syscall(SYS_chmod, modes[i].name, modes[i].mode);
        struct stat st;
        if (r == 0 && stat(modes[i].name, &st) == 0) printf("%s = 0 perm=%04o\n", what, st.st_mode & 07777);
        else named(what, r, modes[i].name, modes[i].name);
    }
    chmod("victim", 0644);
    chmod("file", 0644);
    chmod("dir", 0755);
    named("chmod(bad pointer)", syscall(SYS_chmod, (char *)8, 0600), "victim", "victim");
    named("fchmodat(dirfd, \"sub\", 0750)", syscall(SYS_fchmodat, dirfd, "sub", 0750), "dir/sub", "dir/sub");
    chmod("dir/sub", 0700);
    named("fchmodat(999, \"victim\")", syscall(SYS_fchmodat, 999, "victim", 0600), "victim", "victim");
    unsigned me = getuid(), mine = getgid();
    struct { const char *name; int uid, gid, flags, syscall; } owners[] = {
        {"victim", -1, -1, 0, SYS_chown}, {"victim", (int)me, (int)mine, 0, SYS_chown}, {"victim", 65534, -1, 0, SYS_chown},
        {"link", -1, -1, 0, SYS_lchown}, {"link", (int)me, -1, 0, SYS_lchown}, {"dangling", -1, -1, 0, SYS_chown},
        {"dangling", -1, -1, 0, SYS_lchown}, {"missing", -1, -1, 0, SYS_chown}, {"victim/", -1, -1, 0, SYS_chown},
        {"victim", -1, -1, AT_SYMLINK_NOFOLLOW, SYS_fchownat}, {"link", -1, -1, AT_SYMLINK_NOFOLLOW, SYS_fchownat},
        {"", -1, -1, AT_EMPTY_PATH, SYS_fchownat}, {"", -1, -1, 0, SYS_fchownat}, {"victim", -1, -1, 1, SYS_fchownat},
        {"loop", -1, -1, 0, SYS_chown}};
    for (unsigned i = 0; i < sizeof owners / sizeof *owners; i++) {
        long r = owners[i].syscall == SYS_fchownat
                     ? syscall(SYS_fchownat, AT_FDCWD, owners[i].name, owners[i].uid, owners[i].gid, owners[i].flags)
                     : syscall(owners[i].syscall, owners[i].name, owners[i].uid, owners[i].gid);
        snprintf(what, sizeof what, "%s(\"%s\", %s, %d, 0x%x)",
                 owners[i].syscall == SYS_chown ? "chown" : owners[i].syscall == SYS_lchown ? "lchown" : "fchownat",
                 owners[i].name, owners[i].uid == (int)me ? "me" : owners[i].uid == -1 ? "-1" : "65534", owners[i].gid,
                 owners[i].flags);
        struct stat st;
        const char *shown = *owners[i].name ? owners[i].name : ".";
        if (r == 0 && lstat(shown, &st) == 0)
            printf("%s = 0 mine=%d\n", what, st.st_uid == me && st.st_gid == mine);
        else named(what, r, owners[i].name, owners[i].name);
        lchown(shown, me, mine);
    }
    named("chown(bad pointer)", syscall(SYS_chown, (char *)8, -1, -1), "victim", "victim");

    char longname[300];
    memset(longname, 'a', sizeof longname - 1);
    memcpy(longname, "user.", 5);
    longname[sizeof longname - 1] = 0;
    struct { int l; const char *path, *name, *value; long size; int flags; } sets[] = {
        {0, "victim", "user.a", "one", 3, 0}, {0, "victim", "user.a", "two", 3, 1}, {0, "victim", "user.a", "two", 3, 2},
        {0, "victim", "user.b", "x", 1, 2}, {0, "victim", "user.c", "", 0, 0}, {0, "victim", "user.a", "x", 1, 4},
        {0, "victim", "", "x", 1, 0}, {0, "victim", longname, "x", 1, 0}, {0, "victim", "user.a", "x", 70000, 0},
        {0, "missing", "user.a", "x", 1, 0}, {0, "victim/", "user.a", "x", 1, 0}, {0, "link", "user.l", "x", 1, 0},
        {1, "link", "user.l", "x", 1, 0}, {0, "dangling", "user.a", "x", 1, 0}, {0, "victim", "trusted.t", "x", 1, 0},
        {0, "victim", "bogus.a", "x", 1, 0}, {0, "", "user.a", "x", 1, 0}, {0, "dir", "user.d", "x", 1, 0}};
    for (unsigned i = 0; i < sizeof sets / sizeof *sets; i++) {
        snprintf(what, sizeof what, "%ssetxattr(\"%s\", \"%.12s\", size %ld, 0x%x)", sets[i].l ? "l" : "",
                 sets[i].path, sets[i].name, sets[i].size, sets[i].flags);
        long r = syscall(sets[i].l ? SYS_lsetxattr : SYS_setxattr, sets[i].path, sets[i].name, sets[i].value,
                         sets[i].size, sets[i].flags);
        char got[64] = "";
        ssize_t n = r == 0 ? getxattr(sets[i].path, sets[i].name, got, sizeof got - 1) : -1;
        if (n >= 0) printf("%s = 0 value=\"%.*s\"\n", what, (int)n, got);
        else named(what, r, sets[i].path, sets[i].path);
    }
    named("setxattr(bad name)", syscall(SYS_setxattr, "victim", (char *)8, "x", 1, 0), "victim", "victim");
    named("setxattr(bad value)", syscall(SYS_setxattr, "victim", "user.a", (char *)8, 4, 0), "victim", "victim");
    named("setxattr(bad path)", syscall(SYS_setxattr, (char *)8, "user.a", "x", 1, 0), "victim", "victim");
    struct { int l; const char *path, *name; } removes[] = {
        {0, "victim", "user.a"}, {0, "victim", "user.a"}, {0, "victim", "user.c"}, {0, "link", "user.l"},
        {1, "link", "user.l"}, {0, "missing", "user.a"}, {0, "victim", ""}, {0, "dir", "user.d"}};
    for (unsigned i = 0; i < sizeof removes / sizeof *removes; i++) {
        snprintf(what, sizeof what, "%sremovexattr(\"%s\", \"%s\")", removes[i].l ? "l" : "", removes[i].path,
                 removes[i].name);
        named(what, syscall(removes[i].l ? SYS_lremovexattr : SYS_removexattr, removes[i].path, removes[i].name),
              removes[i].path, removes[i].path);
    }
    removexattr("victim", "trusted.t");
    named("removexattr(bad name)", syscall(SYS_removexattr, "victim", (char *)8), "victim", "victim");
    named("fchownat(filefd, \"\", AT_EMPTY_PATH)", syscall(SYS_fchownat, filefd, "", -1, -1, AT_EMPTY_PATH), "file", "file");
    unlink("victim");
    rmdir("edir");
    unlink("full/x");
    rmdir("full");
}

/* A name's times: the symlink's own modification time when it is one, then its target's access
   and modification times ("now" for the current time, which differs between runs), or the errno. */
static const char *when(struct timespec t) {
    static char out[4][40];
    static int next;
    char *o = out[next++ % 4];
    if (t.tv_sec > time(NULL) - 600) snprintf(o, 40, "now");
    else snprintf(o, 40, "%ld.%09ld", (long)t.tv_sec, t.tv_nsec);
    return o;
}

static void times_state(const char *name) {
    struct stat l, t;
    if (lstat(name, &l) < 0) {
        printf("  %s: %s\n", name, strerrorname_np(errno));
        return;
    }
    printf("  %s:", name);
    if (S_ISLNK(l.st_mode)) printf(" link m=%s", when(l.st_mtim));
    if (stat(name, &t) < 0) printf(" target %s\n", strerrorname_np(errno));
    else printf(" a=%s m=%s\n", when(t.st_atim), when(t.st_mtim));
}

/* The times of the tree put back: each case starts from the same ones. */
static void old_times(void) {
    const char *names[] = {"file", "dir", "dir/sub", "link", "dangling", "ro", "."};
    struct timespec old[2] = {{1000, 1}, {2000, 2}};
    for (unsigned i = 0; i < sizeof names / sizeof *names; i++) utimensat(AT_FDCWD, names[i], old, AT_SYMLINK_NOFOLLOW);
}

static void timed(const char *what, long r, const char *a, const char *b) {
    if (r < 0) printf("%s = %s\n", what, strerrorname_np(errno));
    else printf("%s = %ld\n", what, r);
    times_state(a);
    if (b) times_state(b);
    old_times();
}

/* utime, utimes, futimesat and utimensat at their edges: the times read (a microsecond or a
   nanosecond out of range, UTIME_NOW and UTIME_OMIT), the names (symlinks followed or not,
   AT_EMPTY_PATH, magic links, dirfds) and the errors, in the kernel's order. */
static void file_times(int dirfd, int filefd) {
    close(open("ro", O_CREAT | O_WRONLY, 0444));
    old_times();
    struct utimbuf { long actime, modtime; } ub = {3000, 4000};
    timed("utime(\"file\", NULL)", syscall(SYS_utime, "file", NULL), "file", NULL);
    timed("utime(\"file\", {3000, 4000})", syscall(SYS_utime, "file", &ub), "file", NULL);
    timed("utime(\"link\", {3000, 4000})", syscall(SYS_utime, "link", &ub), "link", "file");
    timed("utime(\"missing\", NULL)", syscall(SYS_utime, "missing", NULL), "missing", NULL);
    timed("utime(bad pointer, NULL)", syscall(SYS_utime, (char *)8, NULL), "file", NULL);
    timed("utime(\"file\", bad pointer)", syscall(SYS_utime, "file", (void *)8), "file", NULL);
    timed("utime(\"ro\", {3000, 4000})", syscall(SYS_utime, "ro", &ub), "ro", NULL);

    struct timeval tv[2] = {{3000, 5}, {4000, 6}}, bad_us[2] = {{3000, 1000000}, {4000, 0}},
                   neg_us[2] = {{3000, 0}, {4000, -1}};
    timed("utimes(\"file\", NULL)", syscall(SYS_utimes, "file", NULL), "file", NULL);
    timed("utimes(\"file\", tv)", syscall(SYS_utimes, "file", tv), "file", NULL);
    timed("utimes(\"file\", usec 1000000)", syscall(SYS_utimes, "file", bad_us), "file", NULL);
    timed("utimes(\"missing\", usec 1000000)", syscall(SYS_utimes, "missing", bad_us), "file", NULL);
    timed("utimes(\"file\", usec -1)", syscall(SYS_utimes, "file", neg_us), "file", NULL);
    timed("utimes(\"dangling\", tv)", syscall(SYS_utimes, "dangling", tv), "dangling", NULL);
    timed("utimes(\"dir/\", tv)", syscall(SYS_utimes, "dir/", tv), "dir", NULL);
    timed("utimes(\"file/\", tv)", syscall(SYS_utimes, "file/", tv), "file", NULL);
    timed("futimesat(dirfd, \"sub\", tv)", syscall(SYS_futimesat, dirfd, "sub", tv), "dir/sub", NULL);
    timed("futimesat(AT_FDCWD, \"file\", tv)", syscall(SYS_futimesat, AT_FDCWD, "file", tv), "file", NULL);
    timed("futimesat(999, \"file\", tv)", syscall(SYS_futimesat, 999, "file", tv), "file", NULL);
    timed("futimesat(filefd, \"x\", tv)", syscall(SYS_futimesat, filefd, "x", tv), "file", NULL);
    timed("futimesat(AT_FDCWD, NULL, tv)", syscall(SYS_futimesat, AT_FDCWD, NULL, tv), "file", NULL);
    timed("futimesat(filefd, NULL, tv)", syscall(SYS_futimesat, filefd, NULL, tv), "file", NULL);
    timed("futimesat(\"file\", bad pointer)", syscall(SYS_futimesat, AT_FDCWD, "file", (void *)8), "file", NULL);

    struct timespec ts[2] = {{3000, 7}, {4000, 8}}, now_omit[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}},
                    omit_now[2] = {{0, UTIME_OMIT}, {5, UTIME_NOW}}, omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}},
                    bad_ns[2] = {{3000, 1000000000}, {4000, 0}}, now[2] = {{1, UTIME_NOW}, {2, UTIME_NOW}};
    struct { int dfd; const char *name; struct timespec *t; int flags; const char *label, *shown, *also; } ns[] = {
        {AT_FDCWD, "file", NULL, 0, "\"file\", NULL, 0", "file", NULL},
        {AT_FDCWD, "file", ts, 0, "\"file\", ts, 0", "file", NULL},
        {AT_FDCWD, "file", now_omit, 0, "\"file\", {NOW, OMIT}, 0", "file", NULL},
        {AT_FDCWD, "file", omit_now, 0, "\"file\", {OMIT, NOW}, 0", "file", NULL},
        {AT_FDCWD, "file", now, 0, "\"file\", {NOW, NOW}, 0", "file", NULL},
        {AT_FDCWD, "missing", omit, 0, "\"missing\", {OMIT, OMIT}, 0", "missing", NULL},
        {AT_FDCWD, "file", bad_ns, 0, "\"file\", nsec 1e9, 0", "file", NULL},
        {AT_FDCWD, "missing", bad_ns, 0, "\"missing\", nsec 1e9, 0", "file", NULL},
        {AT_FDCWD, "file", ts, 1, "\"file\", ts, 0x1", "file", NULL},
        {AT_FDCWD, "missing", omit, 1, "\"missing\", {OMIT, OMIT}, 0x1", "missing", NULL},
        {AT_FDCWD, "link", ts, 0, "\"link\", ts, 0", "link", NULL},
        {AT_FDCWD, "link", ts, AT_SYMLINK_NOFOLLOW, "\"link\", ts, AT_SYMLINK_NOFOLLOW", "link", NULL},
        {AT_FDCWD, "dangling", ts, 0, "\"dangling\", ts, 0", "dangling", NULL},
        {AT_FDCWD, "dangling", ts, AT_SYMLINK_NOFOLLOW, "\"dangling\", ts, AT_SYMLINK_NOFOLLOW", "dangling", NULL},
        {AT_FDCWD, "loop", ts, 0, "\"loop\", ts, 0", "file", NULL},
        {AT_FDCWD, "file/", ts, 0, "\"file/\", ts, 0", "file", NULL},
        {AT_FDCWD, "dir/", ts, 0, "\"dir/\", ts, 0", "dir", NULL},
        {AT_FDCWD, "", ts, 0, "\"\", ts, 0", ".", NULL},
        {AT_FDCWD, "", ts, AT_EMPTY_PATH, "AT_FDCWD, \"\", ts, AT_EMPTY_PATH", ".", NULL},
        {-2, "", ts, AT_EMPTY_PATH, "dirfd, \"\", ts, AT_EMPTY_PATH", "dir", NULL},
        {-3, "", ts, AT_EMPTY_PATH, "filefd, \"\", ts, AT_EMPTY_PATH", "file", NULL},
        {-2, "sub", ts, 0, "dirfd, \"sub\", ts, 0", "dir/sub", NULL},
        {-2, "../file", ts, 0, "dirfd, \"../file\", ts, 0", "file", NULL},
        {-3, "x", ts, 0, "filefd, \"x\", ts, 0", "file", NULL},
        {999, "file", ts, 0, "999, \"file\", ts, 0", "file", NULL},
        {AT_FDCWD, NULL, ts, 0, "AT_FDCWD, NULL, ts, 0", "file", NULL},
        {AT_FDCWD, NULL, ts, AT_EMPTY_PATH, "AT_FDCWD, NULL, ts, AT_EMPTY_PATH", ".", NULL},
        {-3, NULL, ts, 0, "filefd, NULL, ts, 0", "file", NULL},
        {-3, NULL, ts, AT_SYMLINK_NOFOLLOW, "filefd, NULL, ts, AT_SYMLINK_NOFOLLOW", "file", NULL},
        {AT_FDCWD, "viaproc", ts, 0, "\"viaproc\", ts, 0", "viaproc", "file"},
        {AT_FDCWD, "/proc/self/cwd/file", ts, 0, "\"/proc/self/cwd/file\", ts, 0", "file", NULL},
        {AT_FDCWD, "dir/sub/../../file", ts, 0, "\"dir/sub/../../file\", ts, 0", "file", NULL},
        {AT_FDCWD, "dirlink/sub", ts, 0, "\"dirlink/sub\", ts, 0", "dir/sub", NULL},
        {AT_FDCWD, "ro", ts, 0, "\"ro\", ts, 0", "ro", NULL},
        {AT_FDCWD, "ro", NULL, 0, "\"ro\", NULL, 0", "ro", NULL}};
    char what[512];
    for (unsigned i = 0; i < sizeof ns / sizeof *ns; i++) {
        int dfd = ns[i].dfd == -2 ? dirfd : ns[i].dfd == -3 ? filefd : ns[i].dfd;
        snprintf(what, sizeof what, "utimensat(%s)", ns[i].label);
        timed(what, syscall(SYS_utimensat, dfd, ns[i].name, ns[i].t, ns[i].flags), ns[i].shown, ns[i].also);
    }
    timed("utimensat(bad pointer, ts, 0)", syscall(SYS_utimensat, AT_FDCWD, (char *)8, ts, 0), "file", NULL);
    timed("utimensat(\"file\", bad pointer, 0)", syscall(SYS_utimensat, AT_FDCWD, "file", (void *)8, 0), "file", NULL);
    int pathfd = open("link", O_PATH | O_NOFOLLOW);
    timed("utimensat(O_PATH link, \"\", ts, AT_EMPTY_PATH)", syscall(SYS_utimensat, pathfd, "", ts, AT_EMPTY_PATH),
          "link", NULL);
    timed("utimensat(O_PATH link, NULL, ts, 0)", syscall(SYS_utimensat, pathfd, NULL, ts, 0), "link", NULL);
    close(pathfd);
    unlink("ro");
}

/* Opens as another fsuid on a thread of its own: the emulation must take each thread's ids. */
static void *as_nobody(void *arg) {
    syscall(SYS_setfsuid, 65534);
    show("thread with fsuid 65534: open(\"creds/owneronly\")", open((const char *)arg, O_RDONLY));
    return NULL;
}

/* Credentials changed between opens (per thread, raw system calls). As root each change flips
 * the result; unprivileged the changes fail and nothing flips, natively and emulated alike. */
static void credentials(void) {
    mkdir("creds", 0755);
    chmod("creds", 0755);
    close(open("creds/owneronly", O_CREAT | O_WRONLY, 0600));
    chmod("creds/owneronly", 0600);
    close(open("creds/grouponly", O_CREAT | O_WRONLY, 0600));
    chown("creds/grouponly", -1, 4242);
    chmod("creds/grouponly", 0040);
    show("own ids: open(\"creds/owneronly\")", open("creds/owneronly", O_RDONLY));
    long old = syscall(SYS_setfsuid, 65534);
    show("fsuid 65534: open(\"creds/owneronly\")", open("creds/owneronly", O_RDONLY));
    gid_t g = 4242;
    syscall(SYS_setgroups, 1, &g);
    show("fsuid 65534, groups 4242: open(\"creds/grouponly\")", open("creds/grouponly", O_RDONLY));
    syscall(SYS_setgroups, 0, NULL);
    show("fsuid 65534, no groups: open(\"creds/grouponly\")", open("creds/grouponly", O_RDONLY));
    long oldg = syscall(SYS_setfsgid, 4242);
    show("fsuid 65534, fsgid 4242: open(\"creds/grouponly\")", open("creds/grouponly", O_RDONLY));
    syscall(SYS_setfsgid, oldg);
    syscall(SYS_setfsuid, old);
    show("own ids again: open(\"creds/owneronly\")", open("creds/owneronly", O_RDONLY));
    pthread_t t;
    pthread_create(&t, NULL, as_nobody, "creds/owneronly");
    pthread_join(t, NULL);
    show("main thread after: open(\"creds/owneronly\")", open("creds/owneronly", O_RDONLY));
    fflush(stdout);
}

/* Whether the calling thread's CPU mask is still `want` after each of 200 opens. The emulation holds
 * a thread on seccheck's CPU while it installs an fd (CpuHandover) and must put its mask back. */
static int mask_kept(const cpu_set_t *want) {
    int kept = 1;
    for (int i = 0; i < 200; i++) {
        close(open("file", O_RDONLY));
        cpu_set_t now;
        sched_getaffinity(0, sizeof now, &now);
        kept &= CPU_EQUAL(&now, want);
    }
    return kept;
}

static void affinity(void) {
    cpu_set_t all, one;
    /* Asked for every CPU, the kernel gives every CPU this thread may use: the mask it had
       before any hold, whatever the opens before this one did to it. */
    memset(&all, 0xff, sizeof all);
    sched_setaffinity(0, sizeof all, &all);
    sched_getaffinity(0, sizeof all, &all);
    printf("cpu mask kept over 200 opens: %d\n", mask_kept(&all));
    int last = 0;
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (CPU_ISSET(c, &all)) last = c;
    }
    CPU_ZERO(&one);
    CPU_SET(last, &one);
    sched_setaffinity(0, sizeof one, &one);
    printf("one-cpu mask kept over 200 opens: %d\n", mask_kept(&one));
    sched_setaffinity(0, sizeof all, &all);
    printf("cpu mask kept after it was widened again: %d\n", mask_kept(&all));
    fflush(stdout);
}

/* The socket options the emulation sets itself when they set no source route (record route,
   packet options without a routing header, removals), at their edges; and messages sent without
   an address with ancillary data, which it sends itself. */
static void socket_options(int filefd) {
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    unsigned char rr[8] = {IPOPT_NOP, IPOPT_RR, 7, 4, 0, 0, 0, 0};
    result("IP_OPTIONS record route", setsockopt(u, IPPROTO_IP, IP_OPTIONS, rr, sizeof rr));
    unsigned char back[40];
    socklen_t len = sizeof back;
    result("IP_OPTIONS read back", getsockopt(u, IPPROTO_IP, IP_OPTIONS, back, &len));
    printf("IP_OPTIONS length %u, bytes %02x %02x %02x\n", len, back[0], back[1], back[2]);
    result("IP_OPTIONS cleared", setsockopt(u, IPPROTO_IP, IP_OPTIONS, NULL, 0));
    len = sizeof back;
    result("IP_OPTIONS read back", getsockopt(u, IPPROTO_IP, IP_OPTIONS, back, &len));
    printf("IP_OPTIONS length %u\n", len);
    unsigned char big[44] = {0};
    result("IP_OPTIONS too long", setsockopt(u, IPPROTO_IP, IP_OPTIONS, big, sizeof big));
    unsigned char bad[4] = {IPOPT_RR, 1, 0, 0};
    result("IP_OPTIONS malformed", setsockopt(u, IPPROTO_IP, IP_OPTIONS, bad, sizeof bad));
    result("IP_OPTIONS bad pointer", setsockopt(u, IPPROTO_IP, IP_OPTIONS, (void *)8, 8));
    result("IP_OPTIONS negative length", syscall(SYS_setsockopt, u, IPPROTO_IP, IP_OPTIONS, rr, -1));
    result("IP_OPTIONS bad fd", setsockopt(999, IPPROTO_IP, IP_OPTIONS, rr, sizeof rr));
    result("IP_OPTIONS not a socket", setsockopt(filefd, IPPROTO_IP, IP_OPTIONS, rr, sizeof rr));
    int us = socket(AF_UNIX, SOCK_DGRAM, 0);
    result("IP_OPTIONS on a unix socket", setsockopt(us, IPPROTO_IP, IP_OPTIONS, rr, sizeof rr));
    close(us);
    int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
    result("IPV6_RTHDR removed", setsockopt(u6, IPPROTO_IPV6, IPV6_RTHDR, NULL, 0));
    unsigned char h[16] = {0};
    result("IPV6_RTHDR bad length", setsockopt(u6, IPPROTO_IPV6, IPV6_RTHDR, h, 12));
    /* Headers the kernel refuses whole get its EINVAL (seccheck refused them as routes: EPERM). */
    unsigned char type0[24] = {0, 2, 0, 1};
    result("IPV6_RTHDR type 0", setsockopt(u6, IPPROTO_IPV6, IPV6_RTHDR, type0, sizeof type0));
    unsigned char past[8] = {0, 5, 2, 1};
    result("IPV6_RTHDR length past the value", setsockopt(u6, IPPROTO_IPV6, IPV6_RTHDR, past, sizeof past));
    /* IPv6 reads nothing at NULL, and an int at any other pointer before it looks at the option. */
    result("IPV6_RTHDR NULL", setsockopt(u6, IPPROTO_IPV6, IPV6_RTHDR, NULL, 8));
    result("IPV6_RTHDR bad pointer, bad length", setsockopt(u6, IPPROTO_IPV6, IPV6_RTHDR, (void *)8, 12));
    result("IPV6_2292PKTOPTIONS bad pointer, too long", setsockopt(u6, IPPROTO_IPV6, 6, (void *)8, 65537));
    result("IPV6_HDRINCL NULL on a UDP socket", setsockopt(u6, IPPROTO_IPV6, 36, NULL, 4));
    result("IPV6_HDRINCL two bytes at a bad pointer on a UDP socket", setsockopt(u6, IPPROTO_IPV6, 36, (void *)8, 2));
    /* A level the socket does not have is refused before the value is read or its length asked;
       a descriptor that is no socket before a negative length; IPv4 reads one byte of a short int. */
    static unsigned char options2040[2040];
    int unixs = socket(AF_UNIX, SOCK_DGRAM, 0), on4 = 1;
    result("IP_OPTIONS of 2040 bytes on a unix socket", setsockopt(unixs, IPPROTO_IP, IP_OPTIONS, options2040, 2040));
    result("IP_HDRINCL at NULL on a unix socket", setsockopt(unixs, IPPROTO_IP, IP_HDRINCL, NULL, 4));
    close(unixs);
    result("IPV6_RTHDR type 0 on an IPv4 socket", setsockopt(u, IPPROTO_IPV6, IPV6_RTHDR, type0, sizeof type0));
    result("IPV6_2292PKTOPTIONS too long at NULL", setsockopt(u6, IPPROTO_IPV6, 6, NULL, 65537));
    result("IPV6_HDRINCL negative length on a file", syscall(SYS_setsockopt, filefd, IPPROTO_IPV6, 36, &on4, -1));
    char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(page + 4096, 4096, PROT_NONE);
    page[4095] = 1;
    result("IP_HDRINCL two bytes, the second unreadable, on a UDP socket",
           setsockopt(u, IPPROTO_IP, IP_HDRINCL, page + 4095, 2));
    munmap(page, 8192);
    unsigned char badroute[8] = {IPOPT_LSRR, 7, 3, 127, 0, 0, 1, 0};
    result("IP_OPTIONS route with a bad pointer", setsockopt(u, IPPROTO_IP, IP_OPTIONS, badroute, sizeof badroute));
    result("IPV6_2292PKTOPTIONS cleared", setsockopt(u6, IPPROTO_IPV6, 6, NULL, 0));
    union {
        char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
        struct cmsghdr align;
    } pk;
    memset(&pk, 0, sizeof pk);
    struct cmsghdr *c = (struct cmsghdr *)pk.buf;
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
    ((struct in6_pktinfo *)CMSG_DATA(c))->ipi6_addr = in6addr_loopback;
    result("IPV6_2292PKTOPTIONS source ::1", setsockopt(u6, IPPROTO_IPV6, 6, pk.buf, sizeof pk.buf));
    c->cmsg_len = sizeof pk.buf + 8;
    result("IPV6_2292PKTOPTIONS malformed", setsockopt(u6, IPPROTO_IPV6, 6, pk.buf, sizeof pk.buf));
    int zero = 0, one = 1;
    result("IPV6_HDRINCL on a UDP socket", setsockopt(u6, IPPROTO_IPV6, 36, &one, sizeof one));
    close(u6);
    result("IP_HDRINCL on a UDP socket", setsockopt(u, IPPROTO_IP, IP_HDRINCL, &one, sizeof one));
    result("IP_HDRINCL off, two bytes, on a UDP socket", setsockopt(u, IPPROTO_IP, IP_HDRINCL, &zero, 2));
    result("IP_HDRINCL bad pointer", setsockopt(u, IPPROTO_IP, IP_HDRINCL, (void *)8, sizeof one));
    close(u);
    result("socket(AF_INET, SOCK_DGRAM, IPPROTO_RAW)", socket(AF_INET, SOCK_DGRAM, IPPROTO_RAW));
    result("socket(AF_INET6, SOCK_STREAM, IPPROTO_RAW)", socket(AF_INET6, SOCK_STREAM, IPPROTO_RAW));

    /* Messages without an address, with a TTL; a malformed record; descriptors on a UDP socket. */
    int rx = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in ra = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &ra.sin_addr);
    bind(rx, (struct sockaddr *)&ra, sizeof ra);
    socklen_t rl = sizeof ra;
    getsockname(rx, (struct sockaddr *)&ra, &rl);
    int on = 1;
    setsockopt(rx, IPPROTO_IP, IP_RECVTTL, &on, sizeof on);
    int tx = socket(AF_INET, SOCK_DGRAM, 0);
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } t;
    memset(&t, 0, sizeof t);
    struct iovec iov = {"ttl", 3};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = t.buf, .msg_controllen = sizeof t.buf};
    c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_TTL;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    *(int *)CMSG_DATA(c) = 5;
    result("sendmsg TTL unconnected, no address", sendmsg(tx, &m, 0));
    connect(tx, (struct sockaddr *)&ra, sizeof ra);
    result("sendmsg TTL, no address", sendmsg(tx, &m, 0));
    char got[16];
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } in;
    struct msghdr r = {.msg_iov = &(struct iovec){got, sizeof got}, .msg_iovlen = 1, .msg_control = in.buf,
                       .msg_controllen = sizeof in.buf};
    long n = recvmsg(rx, &r, MSG_DONTWAIT);
    struct cmsghdr *rc = CMSG_FIRSTHDR(&r);
    printf("received %ld bytes, ttl %d\n", n, rc && rc->cmsg_type == IP_TTL ? *(int *)CMSG_DATA(rc) : -1);
    c->cmsg_len = sizeof t.buf + 8;
    result("sendmsg malformed record, no address", sendmsg(tx, &m, 0));
    c->cmsg_len = CMSG_LEN(sizeof(int));
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    *(int *)CMSG_DATA(c) = filefd;
    result("sendmsg descriptors on UDP, no address", sendmsg(tx, &m, 0));
    close(tx);
    close(rx);

    /* An IPv6 routing header in a message: segment routing's (type 4), which the kernel takes
       only as a socket option, is refused (EINVAL; seccheck refused it as a route: EPERM); an
       IPv4 socket reads no IPv6 record, and sends the message. */
    int t6 = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 discard6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT, .sin6_port = htons(9)};
    union {
        char buf[CMSG_SPACE(24)];
        struct cmsghdr align;
    } rh;
    memset(&rh, 0, sizeof rh);
    struct msghdr m6 = {.msg_name = &discard6, .msg_namelen = sizeof discard6, .msg_iov = &iov, .msg_iovlen = 1,
                        .msg_control = rh.buf, .msg_controllen = sizeof rh.buf};
    c = CMSG_FIRSTHDR(&m6);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_RTHDR;
    c->cmsg_len = CMSG_LEN(24);
    unsigned char srh[24] = {0, 2, 4, 0}; /* hdrlen 2 (24 bytes), type 4, no segment left, one (::) */
    memcpy(CMSG_DATA(c), srh, sizeof srh);
    result("sendmsg IPv6 segment routing header", sendmsg(t6, &m6, 0));
    close(t6);
    int t4 = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in discard = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(9)};
    m6.msg_name = &discard;
    m6.msg_namelen = sizeof discard;
    result("sendmsg IPv6 routing header on IPv4", sendmsg(t4, &m6, 0));
    close(t4);
}

/* A TCP socket listening on 127.0.0.1, the port the kernel's choice; its address in A. */
static int loopback_listener(struct sockaddr_in *a) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    *a = (struct sockaddr_in){.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &a->sin_addr);
    bind(s, (struct sockaddr *)a, sizeof *a);
    listen(s, 8);
    socklen_t al = sizeof *a;
    getsockname(s, (struct sockaddr *)a, &al);
    return s;
}

/* A client of the listener at A, connecting now (a thread waits DELAY_US first). */
struct later {
    struct sockaddr_in to;
    int delay_us;
};
static void *connect_later(void *arg) {
    struct later *l = arg;
    usleep(l->delay_us);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&l->to, sizeof l->to);
    return (void *)(long)c;
}
static int client_of(struct sockaddr_in *to) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)to, sizeof *to);
    return c;
}

/* What an accept wrote back: the length, the family and, for IPv4, the address (not the port, which differs run to run). */
static void accepted(const char *what, long r, struct sockaddr_in *peer, socklen_t len) {
    if (r < 0) {
        printf("%s = %s\n", what, strerrorname_np(errno));
        return;
    }
    char ip[INET_ADDRSTRLEN] = "-";
    if (len >= sizeof *peer && peer->sin_family == AF_INET) inet_ntop(AF_INET, &peer->sin_addr, ip, sizeof ip);
    printf("%s: len=%u family=%u ip=%s\n", what, (unsigned)len, len >= 2 ? (unsigned)peer->sin_family : 0u, ip);
    show(what, r);
}

/* accept and accept4 at their edges: errors before a connection, flags, short and bad address buffers. */
static void accepts(int filefd) {
    result("accept bad fd", accept(999, NULL, NULL));
    result("accept not a socket", accept(filefd, NULL, NULL));
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    result("accept on udp", accept(u, NULL, NULL));
    close(u);
    int idle = socket(AF_INET, SOCK_STREAM, 0);
    result("accept not listening", accept(idle, NULL, NULL));
    close(idle);
    struct sockaddr_in a;
    int srv = loopback_listener(&a);
    result("accept4 bad flags", accept4(srv, NULL, NULL, 0x40));
    int c = client_of(&a);
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    long r = accept(srv, (struct sockaddr *)&peer, &len);
    accepted("accept pending", r, &peer, len);
    close(c);
    c = client_of(&a);
    memset(&peer, 0, sizeof peer);
    len = 4;
    r = accept4(srv, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    accepted("accept4 short buffer, flags", r, &peer, len);
    close(c);
    c = client_of(&a);
    len = 77;
    r = accept(srv, NULL, &len);
    printf("accept without a buffer leaves the length: %u\n", (unsigned)len);
    show("accept without a buffer", r);
    close(c);
    c = client_of(&a);
    r = accept(srv, (struct sockaddr *)&peer, NULL);
    result("accept without a length", r);
    close(c);
    c = client_of(&a);
    len = (socklen_t)-1;
    result("accept negative length", accept(srv, (struct sockaddr *)&peer, &len));
    close(c);
    c = client_of(&a);
    len = sizeof peer;
    result("accept unwritable buffer", accept(srv, (struct sockaddr *)(void *)accepts, &len));
    close(c);
    fcntl(srv, F_SETFL, O_NONBLOCK);
    /* Each of the last three took its connection from the queue and lost it, as the kernel does. */
    result("accept nonblocking, none left", accept(srv, NULL, NULL));
    c = client_of(&a);
    usleep(50000);
    show("accept nonblocking, one pending", accept(srv, NULL, NULL));
    close(c);
    fcntl(srv, F_SETFL, 0);
    struct later l = {.to = a, .delay_us = 100000};
    pthread_t t;
    pthread_create(&t, NULL, connect_later, &l);
    /* Only the number differs: the kernel reserves it as the call begins, seccheck installs the
       connection when it comes, after the descriptor the client thread made meanwhile. */
    r = accept(srv, NULL, NULL);
    printf("accept blocking until a client comes = %s\n", r < 0 ? strerrorname_np(errno) : "a socket");
    close((int)r);
    void *client;
    pthread_join(t, &client);
    close((int)(long)client);
    close(srv);
    /* A unix peer with an (abstract) name: its name is the address. */
    int us = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    strcpy(sun.sun_path, "dir/accepting");
    bind(us, (struct sockaddr *)&sun, sizeof sun);
    listen(us, 4);
    int uc = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un own = {.sun_family = AF_UNIX};
    const char *abstract = "seccheck-conformance-client";
    memcpy(own.sun_path + 1, abstract, strlen(abstract));
    bind(uc, (struct sockaddr *)&own, offsetof(struct sockaddr_un, sun_path) + 1 + strlen(abstract));
    connect(uc, (struct sockaddr *)&sun, sizeof sun);
    struct sockaddr_un from;
    socklen_t fl = sizeof from;
    r = accept(us, (struct sockaddr *)&from, &fl);
    printf("unix accept: len=%u name=%s\n", (unsigned)fl, r < 0 ? strerrorname_np(errno) : from.sun_path + 1);
    show("unix accept", r);
    close(uc);
    close(us);
}

int main(void) {
    alarm(120); /* a deadline: a call that never returns (an accept whose client was lost) ends the run */
    char what[512];
    mkdir("dir", 0755);
    mkdir("dir/sub", 0700);
    int f = open("file", O_CREAT | O_WRONLY, 0644);
    write(f, "content\n", 8);
    close(f);
    symlink("file", "link");
    symlink("missing-target", "dangling");
    symlink("dir", "dirlink");
    symlink("loop", "loop");
    symlink("/proc/self/cwd/file", "viaproc");
    mkfifo("fifo", 0644);
    const char *paths[] = {"file", "missing", "dir", "dir/", "file/", "link", "dangling", "dirlink", "dirlink/",
                           "loop", "dir/../file", "dir/sub/../../file", "viaproc", "/proc/self/cwd/file",
                           "/proc/thread-self/cwd/dir", "", ".", "..", "fifo", "dir/sub", "./file/."};
    const int flags[] = {O_RDONLY, O_WRONLY, O_RDWR, O_CREAT | O_WRONLY, O_CREAT | O_EXCL | O_WRONLY,
                         O_TRUNC | O_WRONLY, O_DIRECTORY, O_NOFOLLOW, O_PATH, O_PATH | O_NOFOLLOW,
                         O_APPEND | O_WRONLY, O_CLOEXEC, O_TMPFILE | O_RDWR, O_NONBLOCK, O_NOFOLLOW | O_CREAT | O_WRONLY,
                         O_CREAT, O_CREAT | O_NOFOLLOW, O_CREAT | O_DIRECTORY, O_CREAT | O_PATH,
                         O_TMPFILE | O_RDONLY, (O_TMPFILE & ~O_DIRECTORY) | O_RDWR};
    const int masks[] = {022, 077};
    int dirfd = open("dir", O_RDONLY | O_DIRECTORY);
    int filefd = open("file", O_RDONLY);
    for (unsigned m = 0; m < 2; m++) {
        umask(masks[m]);
        for (unsigned p = 0; p < sizeof paths / sizeof *paths; p++) {
            for (unsigned i = 0; i < sizeof flags / sizeof *flags; i++) {
                int fl = flags[i];
                if (!strcmp(paths[p], "fifo") && (fl & O_ACCMODE) != O_RDONLY) continue; /* would block */
                if (!strcmp(paths[p], "fifo")) fl |= O_NONBLOCK;
                snprintf(what, sizeof what, "umask %03o openat(\"%s\", 0%o, 0666)", masks[m], paths[p], fl);
                show(what, openat(AT_FDCWD, paths[p], fl, 0666));
                if (fl & (O_CREAT | O_TRUNC) || (fl & O_TMPFILE) == O_TMPFILE) {
                    /* put the tree back so each case starts from the same files */
                    unlink("missing");
                    f = open("file", O_WRONLY);
                    if (f >= 0) { write(f, "content\n", 8); close(f); }
                }
            }
        }
        snprintf(what, sizeof what, "umask %03o creat(\"new%u\", 0777)", masks[m], m);
        char name[16];
        snprintf(name, sizeof name, "new%u", m);
        show(what, syscall(SYS_creat, name, 0777));
        snprintf(what, sizeof what, "umask %03o open(\"dir/new\", O_CREAT|O_EXCL|O_RDWR, 0750)", masks[m]);
        show(what, syscall(SYS_open, "dir/new", O_CREAT | O_EXCL | O_RDWR, 0750));
        unlink("dir/new");
    }
    /* Creations at their edges: a flag bit openat ignores (openat2 would refuse it), O_CREAT with
       O_PATH (O_PATH wins: nothing is made), a file made without the access its open asks for
       (the open that makes it has it all the same), O_NOFOLLOW kept in the flags when asked. */
    show("openat(\"odd\", O_CREAT|O_WRONLY|04, 0644)", openat(AT_FDCWD, "odd", O_CREAT | O_WRONLY | 04, 0644));
    unlink("odd");
    show("openat(\"made\", O_CREAT|O_PATH, 0644)", openat(AT_FDCWD, "made", O_CREAT | O_PATH, 0644));
    unlink("made");
    show("openat(\"ro\", O_CREAT|O_RDWR, 0444)", openat(AT_FDCWD, "ro", O_CREAT | O_RDWR, 0444));
    unlink("ro");
    show("openat(\"dir/sub/nf\", O_CREAT|O_NOFOLLOW|O_WRONLY, 0600)",
         openat(AT_FDCWD, "dir/sub/nf", O_CREAT | O_NOFOLLOW | O_WRONLY, 0600));
    unlink("dir/sub/nf");
    const char *rel[] = {"sub", "sub/..", "../file", "missing", "/file", ""};
    for (unsigned p = 0; p < sizeof rel / sizeof *rel; p++) {
        snprintf(what, sizeof what, "openat(dirfd, \"%s\")", rel[p]);
        show(what, openat(dirfd, rel[p], O_RDONLY));
        snprintf(what, sizeof what, "openat(filefd, \"%s\")", rel[p]);
        show(what, openat(filefd, rel[p], O_RDONLY));
        snprintf(what, sizeof what, "openat(999, \"%s\")", rel[p]);
        show(what, openat(999, rel[p], O_RDONLY));
    }
    show("openat(bad pointer)", syscall(SYS_openat, AT_FDCWD, (char *)8, O_RDONLY));
    struct { unsigned long long res; const char *path; int dfd; } how2[] = {
        {RESOLVE_BENEATH, "../file", -1}, {RESOLVE_BENEATH, "sub", -1}, {RESOLVE_BENEATH, "/file", -1},
        {RESOLVE_IN_ROOT, "/sub", -1}, {RESOLVE_IN_ROOT, "../../..", -1}, {RESOLVE_NO_SYMLINKS, "link", AT_FDCWD},
        {RESOLVE_NO_SYMLINKS, "file", AT_FDCWD}, {RESOLVE_NO_MAGICLINKS, "/proc/self/cwd/file", AT_FDCWD},
        {RESOLVE_NO_MAGICLINKS, "link", AT_FDCWD}, {0x4000, "file", AT_FDCWD},
        {RESOLVE_BENEATH | RESOLVE_IN_ROOT, "file", AT_FDCWD}};
    for (unsigned i = 0; i < sizeof how2 / sizeof *how2; i++) {
        struct open_how h = {.flags = O_RDONLY, .resolve = how2[i].res};
        snprintf(what, sizeof what, "openat2(\"%s\", resolve 0x%llx)", how2[i].path, how2[i].res);
        show(what, syscall(SYS_openat2, how2[i].dfd == -1 ? dirfd : how2[i].dfd, how2[i].path, &h, sizeof h));
    }
    struct open_how bad = {.flags = O_RDONLY, .mode = 0644};
    show("openat2(mode without O_CREAT)", syscall(SYS_openat2, AT_FDCWD, "file", &bad, sizeof bad));
    show("openat2(size 8)", syscall(SYS_openat2, AT_FDCWD, "file", &bad, 8));
    /* Flags openat2 refuses where openat drops them (O_PATH beats the rest), or that both refuse. */
    struct { unsigned long long flags, mode; const char *path; } flags2[] = {
        {O_PATH | O_CREAT, 0644, "nf"}, {O_PATH | O_CREAT, 0, "dir/"}, {O_PATH | O_TRUNC, 0, "file"},
        {O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, "dir"}, {O_CREAT | O_DIRECTORY, 0644, "dir"},
        {O_CREAT, 0644, "dir"}, {O_TMPFILE | O_RDONLY, 0600, "dir"}};
    for (unsigned i = 0; i < sizeof flags2 / sizeof *flags2; i++) {
        struct open_how h = {.flags = flags2[i].flags, .mode = flags2[i].mode};
        snprintf(what, sizeof what, "openat2(\"%s\", 0%llo, 0%llo)", flags2[i].path, flags2[i].flags, flags2[i].mode);
        show(what, syscall(SYS_openat2, AT_FDCWD, flags2[i].path, &h, sizeof h));
    }
    /* O_CREAT with a mode on a file that is there: opened, the mode unused (seccheck's reopening
       passed the mode on without O_CREAT, which openat2 refuses: EINVAL). */
    struct open_how there = {.flags = O_CREAT | O_RDWR, .mode = 0640};
    show("openat2(\"file\", O_CREAT|O_RDWR, 0640)", syscall(SYS_openat2, AT_FDCWD, "file", &there, sizeof there));
    there.mode = 06755;
    show("openat2(\"/dev/null\", O_CREAT|O_RDWR, 06755)", syscall(SYS_openat2, AT_FDCWD, "/dev/null", &there, sizeof there));
    /* /proc/self not followed is the symlink it is; RESOLVE_NO_SYMLINKS refuses it on the way. */
    show("open(\"/proc/self\", O_NOFOLLOW)", open("/proc/self", O_NOFOLLOW));
    show("open(\"/proc/self\", O_NOFOLLOW|O_DIRECTORY)", open("/proc/self", O_NOFOLLOW | O_DIRECTORY));
    show("open(\"/proc/thread-self\", O_PATH|O_NOFOLLOW)", open("/proc/thread-self", O_PATH | O_NOFOLLOW));
    struct open_how nosym = {.flags = O_RDONLY, .resolve = RESOLVE_NO_SYMLINKS};
    show("openat2(\"/proc/self/status\", RESOLVE_NO_SYMLINKS)",
         syscall(SYS_openat2, AT_FDCWD, "/proc/self/status", &nosym, sizeof nosym));
    /* Not followed either: a last "self" under O_CREAT|O_EXCL (EEXIST), "self/" under O_CREAT (EISDIR). */
    struct open_how excl = {.flags = O_CREAT | O_EXCL | O_RDWR, .mode = 0600, .resolve = RESOLVE_NO_SYMLINKS};
    show("openat2(\"/proc/thread-self\", O_CREAT|O_EXCL, RESOLVE_NO_SYMLINKS)",
         syscall(SYS_openat2, AT_FDCWD, "/proc/thread-self", &excl, sizeof excl));
    excl.flags = O_CREAT | O_RDWR;
    show("openat2(\"/proc/self/\", O_CREAT, RESOLVE_NO_SYMLINKS)",
         syscall(SYS_openat2, AT_FDCWD, "/proc/self/", &excl, sizeof excl));
    /* A socket is linked into no filesystem: the kernel's answer (seccheck's was EACCES). */
    int unnamed = socket(AF_UNIX, SOCK_DGRAM, 0);
    result("linkat(<socket>, \"\", \"sock-link\", AT_EMPTY_PATH)",
           linkat(unnamed, "", AT_FDCWD, "sock-link", AT_EMPTY_PATH));
    close(unnamed);
    /* The kernel's order: the flags, then an absolute path under RESOLVE_BENEATH, then the dirfd. */
    struct open_how beneath = {.flags = O_RDONLY, .resolve = RESOLVE_BENEATH};
    show("openat2(9999, \"/file\", RESOLVE_BENEATH)", syscall(SYS_openat2, 9999, "/file", &beneath, sizeof beneath));
    struct open_how unknown = {.flags = O_RDONLY | (1u << 24)};
    show("openat2(9999, \"file\", unknown flag)", syscall(SYS_openat2, 9999, "file", &unknown, sizeof unknown));
    show("openat(<file>, \"x/\", O_CREAT)", openat(filefd, "x/", O_CREAT | O_RDWR, 0600));
    /* A directory opened for writing is EISDIR before its permission is asked; one opened with
       O_NOFOLLOW needs no permission to search it (seccheck opened its "." there: EACCES). */
    const int dir_modes[] = {0, 0444, 0111};
    const int dir_flags[] = {O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC, O_RDONLY | O_NOFOLLOW, O_WRONLY | O_NOFOLLOW,
                             O_RDONLY | O_NOFOLLOW | O_DIRECTORY};
    mkdir("locked", 0700);
    for (unsigned m = 0; m < sizeof dir_modes / sizeof *dir_modes; m++) {
        chmod("locked", dir_modes[m]);
        for (unsigned f = 0; f < sizeof dir_flags / sizeof *dir_flags; f++) {
            snprintf(what, sizeof what, "open(\"locked\" mode 0%o, 0%o)", dir_modes[m], dir_flags[f]);
            show(what, open("locked", dir_flags[f]));
        }
    }
    /* "." and a last component ask to search their directory (EACCES), before a rename's other dirfd. */
    chmod("locked", 0);
    show("open(\"locked/.\", O_RDONLY) mode 0", open("locked/.", O_RDONLY));
    result("utimensat(\"locked/.\") mode 0", utimensat(AT_FDCWD, "locked/.", NULL, 0));
    result("renameat2(\"locked/x\", 9999, \"y\") mode 0", syscall(SYS_renameat2, AT_FDCWD, "locked/x", 9999, "y", 0));
    /* Creating "name/" is EISDIR once its directory may be searched (EACCES first). */
    show("creat(\"locked/f/\") mode 0", creat("locked/f/", 0644));
    chmod("locked", 0700);
    show("creat(\"locked/f/\") mode 0700", creat("locked/f/", 0644));
    rmdir("locked");
    show("openat(\"dir\", O_PATH|O_CREAT|O_DIRECTORY)", openat(AT_FDCWD, "dir", O_PATH | O_CREAT | O_DIRECTORY, 0644));
    show("openat(\"dir\", O_PATH|O_TMPFILE|O_RDWR)", openat(AT_FDCWD, "dir", O_PATH | O_TMPFILE | O_RDWR, 0600));

    links_and_renames(dirfd, filefd);
    names_as_bytes();
    one_name_calls(dirfd, filefd);
    file_times(dirfd, filefd);
    credentials();
    affinity();

    /* network */
    struct sockaddr_in a;
    int srv = loopback_listener(&a);
    socklen_t al;
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    long r = connect(c, (struct sockaddr *)&a, sizeof a);
    printf("nonblocking connect to listener = %s\n", r == 0 ? "0" : strerrorname_np(errno));
    close(c);
    c = socket(AF_INET, SOCK_STREAM, 0);
    result("blocking connect to listener", connect(c, (struct sockaddr *)&a, sizeof a));
    result("connect again", connect(c, (struct sockaddr *)&a, sizeof a));
    close(c);
    close(srv);
    // A port bound but not listening refuses every connect; a port merely released could be
    // taken by another program's listener in between.
    int held = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in closed = a;
    closed.sin_port = 0;
    bind(held, (struct sockaddr *)&closed, sizeof closed);
    al = sizeof closed;
    getsockname(held, (struct sockaddr *)&closed, &al);
    c = socket(AF_INET, SOCK_STREAM, 0);
    result("connect to closed port", connect(c, (struct sockaddr *)&closed, sizeof closed));
    result("connect bad length", connect(c, (struct sockaddr *)&closed, 3));
    result("connect bad pointer", connect(c, (struct sockaddr *)8, sizeof closed));
    close(c);
    close(held);
    result("connect bad fd", connect(999, (struct sockaddr *)&closed, sizeof closed));
    result("connect not a socket", connect(filefd, (struct sockaddr *)&closed, sizeof closed));
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in ua = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &ua.sin_addr);
    bind(u, (struct sockaddr *)&ua, sizeof ua);
    al = sizeof ua;
    getsockname(u, (struct sockaddr *)&ua, &al);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    result("udp sendto", sendto(s, "0123456789", 10, 0, (struct sockaddr *)&ua, sizeof ua));
    char buf[64];
    result("udp recv", recv(u, buf, sizeof buf, MSG_DONTWAIT));
    result("udp sendto empty", sendto(s, "", 0, 0, (struct sockaddr *)&ua, sizeof ua));
    result("udp recv", recv(u, buf, sizeof buf, MSG_DONTWAIT));
    /* Addresses too short for their family: the protocol refuses them before any peer. */
    result("udp sendto short address", sendto(s, "x", 1, 0, (struct sockaddr *)&ua, 8));
    struct iovec iov = {.iov_base = "y", .iov_len = 1};
    struct msghdr mh = {.msg_name = &ua, .msg_namelen = 8, .msg_iov = &iov, .msg_iovlen = 1};
    result("udp sendmsg short address", sendmsg(s, &mh, 0));
    int s6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(9), .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    result("connect6 short address", connect(s6, (struct sockaddr *)&a6, 20));
    close(s6);
    result("udp connect", connect(s, (struct sockaddr *)&ua, sizeof ua));
    result("udp send", send(s, "abc", 3, 0));
    result("udp recv", recv(u, buf, sizeof buf, MSG_DONTWAIT));
    /* A connected socket's messages without an address, as glibc's resolver sends its two queries
       (seccheck passed an empty address, which UDP refuses: EINVAL); a name longer than
       sockaddr_storage is cut to it; a message MSG_PROBE leaves unsent ends a sendmmsg. */
    struct iovec q[2] = {{"q1", 2}, {"q2", 2}};
    struct mmsghdr queries[2] = {{.msg_hdr = {.msg_iov = &q[0], .msg_iovlen = 1}},
                                 {.msg_hdr = {.msg_iov = &q[1], .msg_iovlen = 1}}};
    result("udp sendmmsg connected, no address", sendmmsg(s, queries, 2, 0));
    result("udp recv", recv(u, buf, sizeof buf, MSG_DONTWAIT));
    result("udp recv", recv(u, buf, sizeof buf, MSG_DONTWAIT));
    struct msghdr plain = {.msg_iov = q, .msg_iovlen = 2};
    result("udp sendmsg connected, no address", sendmsg(s, &plain, 0));
    result("udp recv", recv(u, buf, sizeof buf, MSG_DONTWAIT));
    result("udp sendmmsg MSG_PROBE", sendmmsg(s, queries, 2, 0x10));
    struct sockaddr_storage wide[2];
    memset(wide, 0, sizeof wide);
    memcpy(wide, &ua, sizeof ua);
    struct msghdr widename = {.msg_name = wide, .msg_namelen = sizeof wide, .msg_iov = q, .msg_iovlen = 1};
    result("udp sendmsg name of 256 bytes", sendmsg(s, &widename, 0));
    result("udp recv", recv(u, buf, sizeof buf, MSG_DONTWAIT));
    /* A lone piece of 3 GiB from near the top of user memory: cut to MAX_RW_COUNT, it fits, and UDP
       refuses the size before it reads a byte (EMSGSIZE); beside a second piece it is checked
       whole (EFAULT). */
    struct iovec top[2] = {{(void *)0x7fff70000000ul, 3ul << 30}, {"z", 0}};
    struct msghdr huge = {.msg_name = &ua, .msg_namelen = sizeof ua, .msg_iov = top, .msg_iovlen = 1};
    result("udp sendmsg one piece of 3 GiB", sendmsg(s, &huge, 0));
    huge.msg_iovlen = 2;
    result("udp sendmsg two pieces, 3 GiB first", sendmsg(s, &huge, 0));
    result("sendmmsg bad fd, no message", sendmmsg(999, queries, 0, 0));
    result("sendto bad fd, bad buffer", sendto(999, (void *)-1L, 1, 0, (struct sockaddr *)&ua, sizeof ua));
    result("connect not a socket, bad length", connect(filefd, (struct sockaddr *)&ua, -5));
    int us = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    strcpy(sun.sun_path, "dir/sock");
    result("unix bind", bind(us, (struct sockaddr *)&sun, sizeof sun));
    listen(us, 4);
    /* Binds the kernel refuses, each before or instead of making a file: the name taken, ".",
       a trailing slash, a missing directory, a unix address on an IPv4 socket. */
    const char *taken[] = {"dir/sock", "dir/.", "dir/..", "dir/sock2/", "missing/sock"};
    for (unsigned i = 0; i < sizeof taken / sizeof *taken; i++) {
        int ub = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un b = {.sun_family = AF_UNIX};
        strcpy(b.sun_path, taken[i]);
        snprintf(what, sizeof what, "unix bind \"%s\"", taken[i]);
        result(what, bind(ub, (struct sockaddr *)&b, sizeof b));
        close(ub);
    }
    /* The name a socket bound in the working directory keeps, as getsockname shows it; and one of
       108 bytes, the most a unix address holds (passed without a NUL). */
    int bare = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un named = {.sun_family = AF_UNIX};
    strcpy(named.sun_path, "bare-sock");
    result("unix bind bare name", bind(bare, (struct sockaddr *)&named, sizeof named));
    socklen_t nl = sizeof named;
    memset(named.sun_path, 0, sizeof named.sun_path);
    getsockname(bare, (struct sockaddr *)&named, &nl);
    printf("unix bind bare name keeps %s (%u)\n", named.sun_path, (unsigned)nl);
    close(bare);
    bare = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(named.sun_path, 'L', sizeof named.sun_path);
    result("unix bind 108 bytes", bind(bare, (struct sockaddr *)&named, sizeof named));
    close(bare);
    int inet = socket(AF_INET, SOCK_STREAM, 0);
    strcpy(sun.sun_path, "dir/inet-sock");
    result("unix address on an inet socket", bind(inet, (struct sockaddr *)&sun, sizeof sun));
    result("unix address on an inet socket made no file", access("dir/inet-sock", F_OK));
    close(inet);
    strcpy(sun.sun_path, "dir/sock");
    const char *upaths[] = {"dir/sock", "./dir/../dir/sock", "/proc/self/cwd/dir/sock", "dirlink/sock", "missing/sock",
                            "file/sock"};
    for (unsigned i = 0; i < sizeof upaths / sizeof *upaths; i++) {
        int uc = socket(AF_UNIX, SOCK_STREAM, 0);
        strcpy(sun.sun_path, upaths[i]);
        snprintf(what, sizeof what, "unix connect \"%s\"", upaths[i]);
        result(what, connect(uc, (struct sockaddr *)&sun, sizeof sun));
        close(uc);
    }
    /* An address of the exact length, with no NUL (as Python passes one), naming a path longer
       than the /proc/thread-self/fd/N/name that the emulation hands the kernel. */
    mkdir("dir/a-directory-whose-name-is-longer-than-the-procfs-path-seccheck-uses", 0755);
    const char *longname = "dir/a-directory-whose-name-is-longer-than-the-procfs-path-seccheck-uses/s";
    struct sockaddr_un exact = {.sun_family = AF_UNIX};
    memcpy(exact.sun_path, longname, strlen(longname));
    socklen_t exactlen = offsetof(struct sockaddr_un, sun_path) + strlen(longname);
    int ul = socket(AF_UNIX, SOCK_STREAM, 0);
    result("unix bind exact length", bind(ul, (struct sockaddr *)&exact, exactlen));
    listen(ul, 4);
    result("unix bind made the name given", access(longname, F_OK));
    int uc = socket(AF_UNIX, SOCK_STREAM, 0);
    result("unix connect exact length", connect(uc, (struct sockaddr *)&exact, exactlen));
    close(uc);
    close(ul);
    socket_options(filefd);
    accepts(filefd);
    return 0;
}

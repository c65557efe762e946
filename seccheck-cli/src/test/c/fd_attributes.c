/*
 * fd_attributes: changes files through descriptors, without a name: fchmod, fchown, fsetxattr,
 * fremovexattr, futimens (utimensat with a descriptor and no name), futimesat with no name, and
 * ioctl FS_IOC_SETFLAGS, FS_IOC_FSSETXATTR, FS_IOC_SETVERSION and ext4's EXT4_IOC_SETVERSION. Prints each call's answer ("0" or the errno's
 * name) and the file's state after, so that a native run and one under seccheck compare line for
 * line.
 *
 *   fd_attributes refused FILE   each call once on FILE opened O_RDONLY (all succeed natively on
 *                                a file of the caller's), then the file's state
 *   fd_attributes opath FILE     each call once on FILE opened O_PATH (EBADF natively), then
 *                                the file's state through a descriptor opened O_RDONLY
 *   fd_attributes cases DIR      successes and failures: on DIR/own (the caller's), DIR/other
 *                                (root's, mode 0644), an O_PATH descriptor, a closed one, a pipe,
 *                                bad arguments and unreadable memory
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static const char *answer(long r) {
    static char buf[64];
    if (r >= 0) {
        snprintf(buf, sizeof buf, "%ld", r);
        return buf;
    }
    const char *name = strerrorname_np(errno);
    return name ? name : "E?";
}

/* ext4's own number for FS_IOC_SETVERSION, which it still takes. */
#define EXT4_IOC_SETVERSION _IOW('f', 4, long)

#define SAY(what, call) do { errno = 0; long r_ = (long) (call); printf("%s = %s\n", what, answer(r_)); } while (0)

/* A POSIX access ACL granting user 12345 rwx (the red-team report's). */
static const unsigned char ACL[] = {2, 0, 0, 0, 1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff, 2, 0, 7, 0, 0x39, 0x30, 0, 0,
    4, 0, 4, 0, 0xff, 0xff, 0xff, 0xff, 0x10, 0, 7, 0, 0xff, 0xff, 0xff, 0xff, 0x20, 0, 4, 0, 0xff, 0xff, 0xff, 0xff};

/* The file's mode, owner, times (recent: within a minute of now), extended attributes and flags. */
static void state(const char *label, int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) {
        printf("%s: fstat %s\n", label, strerrorname_np(errno));
        return;
    }
    time_t now = time(NULL);
    printf("%s: mode %o uid %s", label, st.st_mode & 07777, st.st_uid == getuid() ? "mine" : st.st_uid == 0 ? "root" : "other");
    if (st.st_mtime == 1000000000 || st.st_mtime == 1100000000 || st.st_mtime == 1200000000) {
        printf(" mtime %ld", (long) st.st_mtime);
    } else {
        printf(" mtime %s", now - st.st_mtime < 60 ? "recent" : "old");
    }
    if (st.st_atime == 1000000000 || st.st_atime == 1100000000 || st.st_atime == 1200000000) {
        printf(" atime %ld", (long) st.st_atime);
    }
    char names[1024];
    ssize_t n = flistxattr(fd, names, sizeof names);
    printf(" xattrs");
    for (ssize_t i = 0; i < n; i += strlen(names + i) + 1) {
        printf(" %s", names + i);
    }
    int flags = 0;
    if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
        printf(" noatime %d", (flags & FS_NOATIME_FL) != 0);
    }
    struct fsxattr fsx;
    if (ioctl(fd, FS_IOC_FSGETXATTR, &fsx) == 0) {
        printf(" xflag-nodump %d", (fsx.fsx_xflags & FS_XFLAG_NODUMP) != 0);
    }
    int generation = 0;
    if (ioctl(fd, FS_IOC_GETVERSION, &generation) == 0) {
        /* Natively random: shown only as one of the numbers set below or not. */
        if (generation == 4242 || generation == 4343) {
            printf(" generation %d", generation);
        } else {
            printf(" generation kept");
        }
    }
    printf("\n");
}

static int setversion(int fd, unsigned long request, int generation) {
    return ioctl(fd, request, &generation);
}

static int setflag(int fd, int flag) {
    int flags = 0;
    ioctl(fd, FS_IOC_GETFLAGS, &flags);
    flags |= flag;
    return ioctl(fd, FS_IOC_SETFLAGS, &flags);
}

static int setxflag(int fd, unsigned flag) {
    struct fsxattr fsx;
    memset(&fsx, 0, sizeof fsx);
    ioctl(fd, FS_IOC_FSGETXATTR, &fsx);
    fsx.fsx_xflags |= flag;
    return ioctl(fd, FS_IOC_FSSETXATTR, &fsx);
}

/* Every call once, on fd: what the refused mode runs, and the cases mode on its own files. */
static void every(const char *on, int fd, uid_t to) {
    char what[128];
    struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};
    struct timeval tv[2] = {{1100000000, 0}, {1100000000, 0}};
#define EACH(name, call) do { snprintf(what, sizeof what, "%s %s", on, name); SAY(what, call); } while (0)
    EACH("fchmod 0666", fchmod(fd, 0666));
    EACH("fchown", fchown(fd, to, -1));
    EACH("futimens", futimens(fd, ts));
    EACH("futimesat", syscall(SYS_futimesat, fd, NULL, tv));
    EACH("futimens now", futimens(fd, NULL));
    EACH("fsetxattr user.note", fsetxattr(fd, "user.note", "x", 1, 0));
    EACH("fremovexattr user.keep", fremovexattr(fd, "user.keep"));
    EACH("fsetxattr acl", fsetxattr(fd, "system.posix_acl_access", ACL, sizeof ACL, 0));
    EACH("FS_IOC_SETFLAGS noatime", setflag(fd, FS_NOATIME_FL));
    EACH("FS_IOC_FSSETXATTR nodump", setxflag(fd, FS_XFLAG_NODUMP));
    EACH("FS_IOC_SETVERSION", setversion(fd, FS_IOC_SETVERSION, 4242));
    EACH("EXT4_IOC_SETVERSION", setversion(fd, EXT4_IOC_SETVERSION, 4343));
#undef EACH
}

static int refused(const char *file) {
    int fd = open(file, O_RDONLY);
    if (fd < 0) {
        printf("open %s\n", strerrorname_np(errno));
        return 1;
    }
    every("ro", fd, getuid());
    state("ro", fd);
    return 0;
}

static int opath(const char *file) {
    int fd = open(file, O_PATH);
    if (fd < 0) {
        printf("open O_PATH %s\n", strerrorname_np(errno));
        return 1;
    }
    every("opath", fd, getuid());
    int ro = open(file, O_RDONLY);
    if (ro < 0) {
        printf("open %s\n", strerrorname_np(errno));
        return 1;
    }
    state("opath", ro);
    return 0;
}

static int cases(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/own", dir);
    int own = open(path, O_RDONLY);
    snprintf(path, sizeof path, "%s/other", dir);
    int other = open(path, O_RDONLY);
    snprintf(path, sizeof path, "%s/opath", dir);
    int opath = open(path, O_PATH);
    if (own < 0 || other < 0 || opath < 0) {
        printf("open %s\n", strerrorname_np(errno));
        return 1;
    }
    state("own before", own);
    every("own", own, getuid());
    state("own", own);
    every("other", other, getuid());
    state("other", other);
    SAY("own fchown to 12345", fchown(own, 12345, -1));
    state("own", own);

    every("opath", opath, getuid());
    int closed = open("/dev/null", O_RDONLY);
    close(closed);
    every("closed", closed, getuid());
    every("negative", -5, getuid());
    int pipes[2];
    if (pipe(pipes) != 0) {
        return 1;
    }
    every("pipe", pipes[0], getuid());

    /* Bad arguments, in the kernel's order where two are bad at once. */
    struct timespec badns[2] = {{1, 1000000000}, {1, 0}};
    struct timespec omit[2] = {{1, UTIME_OMIT}, {1, UTIME_OMIT}};
    struct timespec fine[2] = {{1200000000, 0}, {1200000000, 0}};
    void *unmapped = (void *) 8;
    SAY("futimens bad nsec", futimens(own, badns));
    SAY("utimensat fd NULL AT_SYMLINK_NOFOLLOW", syscall(SYS_utimensat, own, NULL, fine, AT_SYMLINK_NOFOLLOW));
    SAY("utimensat closed NULL flags 1", syscall(SYS_utimensat, closed, NULL, fine, 1));
    SAY("utimensat closed NULL omit", syscall(SYS_utimensat, closed, NULL, omit, 0));
    SAY("utimensat fd NULL unmapped", syscall(SYS_utimensat, own, NULL, unmapped, 0));
    SAY("utimensat closed NULL unmapped", syscall(SYS_utimensat, closed, NULL, unmapped, 0));
    struct timeval badus[2] = {{1, 1000000}, {1, 0}};
    SAY("futimesat bad usec", syscall(SYS_futimesat, own, NULL, badus));
    SAY("futimesat closed bad usec", syscall(SYS_futimesat, closed, NULL, badus));
    SAY("futimesat unmapped", syscall(SYS_futimesat, own, NULL, unmapped));
    SAY("fsetxattr bogus namespace", fsetxattr(own, "bogus.x", "x", 1, 0));
    SAY("fsetxattr empty name", fsetxattr(own, "", "x", 1, 0));
    SAY("fsetxattr closed empty name", fsetxattr(closed, "", "x", 1, 0));
    SAY("fsetxattr bad flags", fsetxattr(own, "user.a", "x", 1, 4));
    SAY("fsetxattr create existing", fsetxattr(own, "user.note", "y", 1, XATTR_CREATE));
    SAY("fsetxattr replace missing", fsetxattr(own, "user.none", "y", 1, XATTR_REPLACE));
    SAY("fsetxattr too large", syscall(SYS_fsetxattr, own, "user.a", "x", 65537, 0));
    SAY("fsetxattr unmapped value", syscall(SYS_fsetxattr, own, "user.a", unmapped, 4, 0));
    SAY("fsetxattr unmapped name", fsetxattr(own, unmapped, "x", 1, 0));
    SAY("fsetxattr closed unmapped name", fsetxattr(closed, unmapped, "x", 1, 0));
    SAY("fsetxattr trusted", fsetxattr(own, "trusted.t", "x", 1, 0));
    SAY("fremovexattr missing", fremovexattr(own, "user.none"));
    SAY("fremovexattr bogus namespace", fremovexattr(own, "bogus.x"));
    SAY("fremovexattr closed unmapped name", fremovexattr(closed, unmapped));
    SAY("FS_IOC_SETFLAGS unmapped", ioctl(own, FS_IOC_SETFLAGS, unmapped));
    SAY("FS_IOC_SETFLAGS closed unmapped", ioctl(closed, FS_IOC_SETFLAGS, unmapped));
    SAY("FS_IOC_SETFLAGS opath unmapped", ioctl(opath, FS_IOC_SETFLAGS, unmapped));
    SAY("FS_IOC_FSSETXATTR unmapped", ioctl(own, FS_IOC_FSSETXATTR, unmapped));
    SAY("FS_IOC_SETFLAGS immutable", setflag(own, FS_IMMUTABLE_FL));
    state("own", own);
    int none = 0;
    SAY("FS_IOC_SETFLAGS clear", ioctl(own, FS_IOC_SETFLAGS, &none));
    SAY("FS_IOC_SETFLAGS pipe", ioctl(pipes[1], FS_IOC_SETFLAGS, &none));
    SAY("FS_IOC_SETFLAGS pipe unmapped", ioctl(pipes[1], FS_IOC_SETFLAGS, unmapped));
    SAY("fchmod setgid", fchmod(own, 02755));
    state("own", own);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 3 && strcmp(argv[1], "refused") == 0) {
        return refused(argv[2]);
    }
    if (argc == 3 && strcmp(argv[1], "opath") == 0) {
        return opath(argv[2]);
    }
    if (argc == 3 && strcmp(argv[1], "cases") == 0) {
        return cases(argv[2]);
    }
    fprintf(stderr, "usage: fd_attributes refused FILE | opath FILE | cases DIR\n");
    return 2;
}

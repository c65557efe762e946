/* sticky: opens, connects and links by names in sticky directories, where the kernel's
 * fs.protected_symlinks, fs.protected_regular and fs.protected_fifos decide, and prints one line
 * per try: "<what>: ok" or "<what>: <strerror>". StickyDirectoryTrapsTest lays DIR out (see there) and
 * compares these lines natively and under seccheck, whose walk follows symlinks itself and so must
 * apply those protections itself.
 *
 * Usage: sticky DIR [link]   ("link" adds the hard link tries, which the policy run emulates) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static char dir[4096];

static const char *in(const char *name) {
    static char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static void report(const char *what, int r) {
    if (r < 0) {
        printf("%s: %s\n", what, strerror(errno));
    } else {
        printf("%s: ok\n", what);
    }
}

static void try_open(const char *what, const char *name, int flags) {
    int fd = open(in(name), flags, 0644);
    report(what, fd);
    if (fd >= 0) {
        close(fd);
    }
}

static void try_openat2(const char *what, const char *name, int flags, unsigned long long resolve) {
    struct open_how how = {.flags = flags, .mode = 0, .resolve = resolve};
    int fd = (int) syscall(SYS_openat2, AT_FDCWD, in(name), &how, sizeof how);
    report(what, fd);
    if (fd >= 0) {
        close(fd);
    }
}

static void try_connect(const char *what, const char *name) {
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", in(name));
    report(what, connect(s, (struct sockaddr *) &a, sizeof a));
    close(s);
}

static void try_link(const char *what, const char *name, const char *to) {
    char from[8192];
    snprintf(from, sizeof from, "%s", in(name));
    int r = linkat(AT_FDCWD, from, AT_FDCWD, in(to), AT_SYMLINK_FOLLOW);
    report(what, r);
    if (r == 0) {
        unlink(in(to));
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: sticky DIR [link]\n");
        return 2;
    }
    snprintf(dir, sizeof dir, "%s", argv[1]);
    setvbuf(stdout, NULL, _IONBF, 0);

    /* A listening socket outside the sticky directories, reached through a symlink in one. */
    int srv = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", in("sock"));
    unlink(a.sun_path);
    if (bind(srv, (struct sockaddr *) &a, sizeof a) != 0 || listen(srv, 8) != 0) {
        perror("listening socket");
        return 1;
    }

    try_open("another user's symlink in a world-writable sticky dir", "world/their-link", O_RDONLY);
    try_open("the follower's own symlink there", "world/own-link", O_RDONLY);
    try_open("the directory owner's symlink there", "world/owners-link", O_RDONLY);
    try_open("another user's directory symlink there, not trailing", "world/their-dirlink/f", O_RDONLY);
    try_open("another user's symlink in a plain world-writable dir", "plain/their-link", O_RDONLY);
    try_open("a symlink of the sticky dir's own owner", "theirs/their-link", O_RDONLY);
    try_open("O_CREAT through another user's symlink", "world/their-link", O_WRONLY | O_CREAT);
    try_open("O_CREAT, O_NOFOLLOW on another user's symlink", "world/their-link", O_WRONLY | O_CREAT | O_NOFOLLOW);
    try_open("O_CREAT, O_NOFOLLOW on the follower's own symlink", "world/own-link", O_WRONLY | O_CREAT | O_NOFOLLOW);
    try_open("O_PATH, O_NOFOLLOW of another user's symlink", "world/their-link", O_PATH | O_NOFOLLOW);
    try_openat2("openat2 RESOLVE_NO_SYMLINKS of another user's symlink", "world/their-link", O_RDONLY,
                RESOLVE_NO_SYMLINKS);
    try_openat2("openat2 RESOLVE_NO_SYMLINKS of the follower's own symlink", "world/own-link", O_RDONLY,
                RESOLVE_NO_SYMLINKS);

    try_open("O_CREAT of another user's file in a world-writable sticky dir", "world/their-file", O_WRONLY | O_CREAT);
    try_open("O_CREAT|O_EXCL of it", "world/their-file", O_WRONLY | O_CREAT | O_EXCL);
    try_open("O_RDWR of it, without O_CREAT", "world/their-file", O_RDWR);
    try_open("O_CREAT of the directory owner's file there", "world/owners-file", O_WRONLY | O_CREAT);
    try_open("O_CREAT of another user's FIFO there", "world/their-fifo", O_RDONLY | O_NONBLOCK | O_CREAT);
    try_open("O_CREAT of another user's character device there", "world/their-null", O_WRONLY | O_CREAT);
    try_open("O_CREAT of a new file there", "world/new-file", O_WRONLY | O_CREAT);
    unlink(in("world/new-file"));
    report("creat of another user's file there", creat(in("world/their-file"), 0644));
    try_open("O_CREAT of another user's file in a group-writable sticky dir", "group/their-file", O_WRONLY | O_CREAT);
    try_open("O_CREAT of another user's FIFO in the group-writable dir", "group/their-fifo", O_RDONLY | O_NONBLOCK | O_CREAT);
    try_open("O_CREAT of another user's file in a plain world-writable dir", "plain/their-file", O_WRONLY | O_CREAT);
    try_open("O_CREAT of a file of the sticky dir's owner", "theirs/their-file", O_WRONLY | O_CREAT);

    try_connect("connect through another user's symlink in a sticky dir", "world/their-socklink");
    try_connect("connect through the follower's own symlink there", "world/own-socklink");

    if (argc > 2 && strcmp(argv[2], "link") == 0) {
        try_link("a hard link through another user's symlink", "world/their-link", "hardlink");
        try_link("a hard link through the follower's own symlink", "world/own-link", "hardlink");
    }
    close(srv);
    unlink(a.sun_path);
    return 0;
}

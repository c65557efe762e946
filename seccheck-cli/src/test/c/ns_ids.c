/*
 * ns_ids: names owners and ACL users from a user namespace of its own, and shows where they land.
 *
 *   ns_ids DIR
 *
 * A child enters a new user namespace and becomes its root: as root, the parent maps the child's
 * ids 0-65535 onto the host's 100000-165535 (a rootless container's map, written as newuidmap
 * would); as another user, the child maps its own user and group alone as 0 (unshare -r). In DIR
 * (owned by what the namespace's root is on the host), the child creates DIR/f and DIR/g and
 * chowns them (fchown, chown, lchown, fchownat) to its own ids and to ids its namespace does not
 * map, and sets access ACLs (setxattr, fsetxattr) and a default ACL on DIR naming users and
 * groups 5 and 7 (mapped as root, not otherwise) and 70000 (mapped by neither). Each call's answer
 * is printed ("0" or the errno's name); then the parent, outside the namespace, prints each file's
 * owner and ACL ids as the host numbers them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
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

#define SAY(what, call) do { errno = 0; long r_ = (long) (call); printf("%s = %s\n", what, answer(r_)); } while (0)

enum { USER_OBJ = 1, USER = 2, GROUP_OBJ = 4, GROUP = 8, MASK = 0x10, OTHER = 0x20 };

static void entry(unsigned char *p, int tag, int perm, uint32_t id) {
    p[0] = tag; p[1] = 0; p[2] = perm; p[3] = 0;
    memcpy(p + 4, &id, 4);
}

/* An ACL (version 2) granting user {@code user} and group {@code group} read and write: 52 bytes in {@code out}. */
static size_t acl(unsigned char *out, uint32_t user, uint32_t group) {
    uint32_t version = 2;
    memcpy(out, &version, 4);
    entry(out + 4, USER_OBJ, 6, -1);
    entry(out + 12, USER, 6, user);
    entry(out + 20, GROUP_OBJ, 4, -1);
    entry(out + 28, GROUP, 6, group);
    entry(out + 36, MASK, 6, -1);
    entry(out + 44, OTHER, 0, -1);
    return 52;
}

static void write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0 || write(fd, text, strlen(text)) < 0) {
        perror(path);
        exit(9);
    }
    close(fd);
}

static void map(const char *proc, const char *uids, const char *gids) {
    char path[64];
    snprintf(path, sizeof path, "%s/uid_map", proc);
    write_file(path, uids);
    snprintf(path, sizeof path, "%s/setgroups", proc);
    write_file(path, "deny");
    snprintf(path, sizeof path, "%s/gid_map", proc);
    write_file(path, gids);
}

/* The calls, made as root of the namespace in {@code dir}. */
static void calls(const char *dir) {
    char f[4096], g[4096];
    snprintf(f, sizeof f, "%s/f", dir);
    snprintf(g, sizeof g, "%s/g", dir);
    int fd = open(f, O_WRONLY | O_CREAT | O_EXCL, 0640);
    int gd = open(g, O_WRONLY | O_CREAT | O_EXCL, 0640);
    if (fd < 0 || gd < 0) {
        perror("create");
        exit(8);
    }
    unsigned char v[64];
    SAY("fchown own", fchown(fd, 0, 0));
    SAY("fchown -1 own", fchown(fd, -1, 0));
    SAY("fchown unmapped", fchown(fd, 70000, 70000));
    SAY("fchown -1 unmapped", fchown(fd, -1, 70000));
    SAY("chown own", chown(f, 0, 0));
    SAY("chown unmapped -1", chown(f, 70000, -1));
    SAY("lchown -1 unmapped", lchown(f, -1, 70000));
    SAY("fchownat own -1", fchownat(AT_FDCWD, f, 0, -1, 0));
    SAY("fchownat empty unmapped", fchownat(fd, "", 70000, -1, AT_EMPTY_PATH));
    SAY("setxattr acl own", setxattr(f, "system.posix_acl_access", v, acl(v, 0, 0), 0));
    SAY("setxattr acl 5", setxattr(f, "system.posix_acl_access", v, acl(v, 5, 5), 0));
    SAY("setxattr acl unmapped", setxattr(f, "system.posix_acl_access", v, acl(v, 70000, 0), 0));
    SAY("setxattr acl group unmapped", setxattr(f, "system.posix_acl_access", v, acl(v, 0, 70000), 0));
    SAY("fsetxattr acl own", fsetxattr(gd, "system.posix_acl_access", v, acl(v, 0, 0), 0));
    SAY("fsetxattr acl 7", fsetxattr(gd, "system.posix_acl_access", v, acl(v, 7, 7), 0));
    SAY("fsetxattr acl unmapped", fsetxattr(gd, "system.posix_acl_access", v, acl(v, 70000, 7), 0));
    SAY("setxattr default acl own", setxattr(dir, "system.posix_acl_default", v, acl(v, 0, 0), 0));
    SAY("setxattr default acl 5", setxattr(dir, "system.posix_acl_default", v, acl(v, 5, 7), 0));
    fflush(stdout);
}

/* The owner and ACL ids of {@code path} as the caller's namespace (the host's) numbers them. */
static void host_view(const char *label, const char *path, const char *attribute) {
    struct stat st;
    if (lstat(path, &st) != 0) {
        printf("%s: %s\n", label, strerrorname_np(errno));
        return;
    }
    printf("%s: owner %u:%u", label, st.st_uid, st.st_gid);
    unsigned char v[256];
    ssize_t n = getxattr(path, attribute, v, sizeof v);
    if (n < 0) {
        printf(" acl %s\n", strerrorname_np(errno));
        return;
    }
    for (ssize_t at = 4; at + 8 <= n; at += 8) {
        uint32_t id;
        memcpy(&id, v + at + 4, 4);
        if (v[at] == USER) {
            printf(" user:%u", id);
        } else if (v[at] == GROUP) {
            printf(" group:%u", id);
        }
    }
    printf("\n");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: ns_ids DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    int root = geteuid() == 0;
    char uids[32], gids[32];
    snprintf(uids, sizeof uids, "0 %u 1", getuid());
    snprintf(gids, sizeof gids, "0 %u 1", getgid());
    int up[2], down[2];
    if (pipe(up) || pipe(down)) {
        perror("pipe");
        return 7;
    }
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        char c;
        if (unshare(CLONE_NEWUSER) != 0) {
            perror("unshare");
            _exit(6);
        }
        if (root) {
            if (write(up[1], "x", 1) != 1 || read(down[0], &c, 1) != 1) {
                _exit(5);
            }
        } else {
            map("/proc/self", uids, gids);
        }
        if (setgid(0) != 0 || setuid(0) != 0) {
            perror("setid");
            _exit(4);
        }
        calls(dir);
        _exit(0);
    }
    if (root) {
        char c, proc[32];
        if (read(up[0], &c, 1) != 1) {
            return 5;
        }
        snprintf(proc, sizeof proc, "/proc/%d", child);
        map(proc, "0 100000 65536", "0 100000 65536");
        if (write(down[1], "x", 1) != 1) {
            return 5;
        }
    }
    int status;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("child status %d\n", status);
        return 3;
    }
    char f[4096], g[4096];
    snprintf(f, sizeof f, "%s/f", dir);
    snprintf(g, sizeof g, "%s/g", dir);
    host_view("f", f, "system.posix_acl_access");
    host_view("g", g, "system.posix_acl_access");
    host_view("dir", dir, "system.posix_acl_default");
    return 0;
}

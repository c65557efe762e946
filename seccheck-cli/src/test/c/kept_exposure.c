/*
 * kept_exposure BASE ROUTE...: each ROUTE tries, in the tree BASE/ROUTE (sd/ mode 0700 holding
 * sd/key, a file a rule keeps; out/, a directory every user may write; other/ holding other/f,
 * which no rule names), to let users outside the run reach the kept file, or does something
 * alike that exposes nothing. Prints one line per route: "ROUTE = 0" or "ROUTE = ERRNO".
 *
 *   chmod, fchmod      sd/ made 0755, by name and through a descriptor of it
 *   acl, facl          sd/ given an access ACL letting uid 65533 in, by name and descriptor
 *   chown, fchown      sd/ given to uid 65533, by name and descriptor
 *   chmod-up           the tree itself (sd/'s parent) made 0777: anyone may replace sd/
 *   link, link-at      sd/key hard-linked as out/pub, by name and from a descriptor of sd/
 *   link-empty         sd/key opened read-only and linked as out/pub by that descriptor
 *                      (linkat AT_EMPTY_PATH)
 *   link-proc          the same through /proc/self/fd/N (linkat AT_SYMLINK_FOLLOW)
 *   other-chmod        other/ made 0755 by name and by descriptor: no kept file below it
 *   other-link         other/f hard-linked as other/g
 *   inside-link        sd/key hard-linked as sd/key2, in the kept tree
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* A POSIX access ACL: owner rwx, user 65533 r-x, group and others nothing, mask r-x. */
static const unsigned char ACL[] = {2, 0, 0, 0, 1, 0, 7, 0, 0xff, 0xff, 0xff, 0xff, 2, 0, 5, 0, 0xfd, 0xff, 0, 0,
    4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x10, 0, 5, 0, 0xff, 0xff, 0xff, 0xff, 0x20, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};

static const char *OUTSIDER_ACL = "system.posix_acl_access";

/* Runs one route in the current directory (its tree): 0, or -1 with errno set. */
static int route(const char *r) {
    if (strcmp(r, "chmod") == 0) {
        return chmod("sd", 0755);
    }
    if (strcmp(r, "acl") == 0) {
        return setxattr("sd", OUTSIDER_ACL, ACL, sizeof ACL, 0);
    }
    if (strcmp(r, "chown") == 0) {
        return chown("sd", 65533, -1);
    }
    if (strcmp(r, "chmod-up") == 0) {
        return chmod(".", 0777);
    }
    if (strcmp(r, "link") == 0) {
        return link("sd/key", "out/pub");
    }
    if (strcmp(r, "other-link") == 0) {
        return link("other/f", "other/g");
    }
    if (strcmp(r, "inside-link") == 0) {
        return link("sd/key", "sd/key2");
    }
    if (strcmp(r, "other-chmod") == 0) {
        int d = open("other", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return d < 0 || chmod("other", 0750) != 0 ? -1 : fchmod(d, 0755);
    }
    if (strcmp(r, "link-empty") == 0 || strcmp(r, "link-proc") == 0) {
        int f = open("sd/key", O_RDONLY | O_CLOEXEC);
        if (f < 0) {
            return -1;
        }
        if (strcmp(r, "link-empty") == 0) {
            return linkat(f, "", AT_FDCWD, "out/pub", AT_EMPTY_PATH);
        }
        char self[64];
        snprintf(self, sizeof self, "/proc/self/fd/%d", f);
        return linkat(AT_FDCWD, self, AT_FDCWD, "out/pub", AT_SYMLINK_FOLLOW);
    }
    int d = open("sd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0) {
        return -1;
    }
    if (strcmp(r, "fchmod") == 0) {
        return fchmod(d, 0755);
    }
    if (strcmp(r, "facl") == 0) {
        return fsetxattr(d, OUTSIDER_ACL, ACL, sizeof ACL, 0);
    }
    if (strcmp(r, "fchown") == 0) {
        return fchown(d, 65533, -1);
    }
    if (strcmp(r, "link-at") == 0) {
        return linkat(d, "key", AT_FDCWD, "out/pub", 0);
    }
    errno = EINVAL;
    return -1;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: kept_exposure BASE ROUTE...\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        char tree[4096];
        snprintf(tree, sizeof tree, "%s/%s", argv[1], argv[i]);
        if (chdir(tree) != 0) {
            printf("%s = chdir %s\n", argv[i], strerrorname_np(errno));
            continue;
        }
        errno = 0;
        int r = route(argv[i]);
        printf("%s = %s\n", argv[i], r == 0 ? "0" : strerrorname_np(errno));
    }
    return 0;
}

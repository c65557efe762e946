/*
 * kept_alias ALIAS KEPT ROUTE...: each ROUTE works in ALIAS/ROUTE, which is KEPT/ROUTE reached
 * through a bind mount the operator made of the kept trees before the run (an alias): sd/ (0700)
 * holds sd/key, a file a rule keeps by its name in KEPT; pub/ is a directory no rule names.
 * Prints one line per route: "ROUTE = 0" or "ROUTE = ERRNO".
 *
 *   chmod        sd/ made 0755 through the alias
 *   rename       a file of the program's own (pub/x) renamed over sd/key through the alias
 *   mkdir        a directory sd/newdir made through the alias
 *   link         a file of the program's own (pub/y) hard-linked as sd/planted through the alias
 *   symlink      a symbolic link sd/lnk made through the alias
 *   create       a file sd/newfile made by an open (O_CREAT) through the alias
 *   bind         a unix socket bound to sd/sock through the alias
 *   noop-chown   fchownat(O_PATH fd of sd/, "", -1, -1, AT_EMPTY_PATH): a chown that changes nothing
 *   same-chown   the same with sd/'s own owner and group
 *   noop-chown-kept, same-chown-kept   the same on KEPT/ROUTE/sd, by the tree's own name
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Writes a file of the program's own at name: 0, or -1 with errno set. */
static int own(const char *name) {
    int f = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f < 0) {
        return -1;
    }
    int r = write(f, "EVIL\n", 5) == 5 ? 0 : -1;
    close(f);
    return r;
}

/* Runs one route in the current directory (its tree, through the alias): 0, or -1 with errno set. */
static int route(const char *kept, const char *r) {
    if (strcmp(r, "chmod") == 0) {
        return chmod("sd", 0755);
    }
    if (strcmp(r, "rename") == 0) {
        return own("pub/x") != 0 ? -1 : rename("pub/x", "sd/key");
    }
    if (strcmp(r, "mkdir") == 0) {
        return mkdir("sd/newdir", 0755);
    }
    if (strcmp(r, "link") == 0) {
        return own("pub/y") != 0 ? -1 : link("pub/y", "sd/planted");
    }
    if (strcmp(r, "symlink") == 0) {
        return symlink("/tmp", "sd/lnk");
    }
    if (strcmp(r, "create") == 0) {
        return own("sd/newfile");
    }
    if (strcmp(r, "bind") == 0) {
        struct sockaddr_un a = {.sun_family = AF_UNIX, .sun_path = "sd/sock"};
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        return s < 0 ? -1 : bind(s, (struct sockaddr *) &a, sizeof a);
    }
    char sd[4096];
    snprintf(sd, sizeof sd, "%s/%s/sd", kept, r);
    int d = open(strstr(r, "-kept") != NULL ? sd : "sd", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (d < 0) {
        return -1;
    }
    if (strncmp(r, "noop-chown", 10) == 0) {
        return fchownat(d, "", -1, -1, AT_EMPTY_PATH);
    }
    if (strncmp(r, "same-chown", 10) == 0) {
        struct stat st;
        return fstat(d, &st) != 0 ? -1 : fchownat(d, "", st.st_uid, st.st_gid, AT_EMPTY_PATH);
    }
    errno = EINVAL;
    return -1;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: kept_alias ALIAS KEPT ROUTE...\n");
        return 2;
    }
    for (int i = 3; i < argc; i++) {
        char tree[4096];
        snprintf(tree, sizeof tree, "%s/%s", argv[1], argv[i]);
        if (chdir(tree) != 0) {
            printf("%s = chdir %s\n", argv[i], strerrorname_np(errno));
            continue;
        }
        errno = 0;
        int r = route(argv[2], argv[i]);
        printf("%s = %s\n", argv[i], r == 0 ? "0" : strerrorname_np(errno));
    }
    return 0;
}

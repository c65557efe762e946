/*
 * drop_privileges MODE DIR: what a privilege-separating daemon does. As root it enters DIR and
 * opens it, then gives up root in-process (MODE "setuid": setgroups, setgid and setuid 65534, for
 * good; "seteuid": only the effective ids, for a while), which makes it non-dumpable, and then
 * opens DIR/pub.txt by an absolute name, a relative one and relative to the dirfd, makes,
 * changes the mode of and removes a directory in DIR/shared (mode 1777), and opens DIR/secret (root's, 0600), which
 * must fail with EACCES. Prints one line, "name=result ...", and exits 0; "drop=ERRNO" when the
 * drop itself is refused (a program that is not root).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *result(int r) {
  return r >= 0 ? "ok" : strerrorname_np(errno);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: drop_privileges setuid|seteuid DIR\n");
    return 2;
  }
  const char *dir = argv[2];
  int d = open(dir, O_RDONLY | O_DIRECTORY);
  if (d < 0 || chdir(dir) != 0) {
    perror(dir);
    return 2;
  }
  int dropped = strcmp(argv[1], "setuid") == 0
      ? (setgroups(0, NULL) == 0 && setgid(65534) == 0 && setuid(65534) == 0)
      : (setegid(65534) == 0 && seteuid(65534) == 0);
  if (!dropped) {
    printf("drop=%s\n", strerrorname_np(errno));
    return 0;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/pub.txt", dir);
  printf("dumpable=%d", prctl(PR_GET_DUMPABLE));
  printf(" absolute=%s", result(open(path, O_RDONLY)));
  printf(" relative=%s", result(open("pub.txt", O_RDONLY)));
  printf(" dirfd=%s", result(openat(d, "pub.txt", O_RDONLY)));
  snprintf(path, sizeof path, "%s/shared/made", dir);
  printf(" mkdir=%s", result(mkdir(path, 0700)));
  printf(" chmod=%s", result(chmod(path, 0755)));
  printf(" rmdir=%s", result(rmdir(path)));
  snprintf(path, sizeof path, "%s/secret", dir);
  printf(" secret=%s\n", result(open(path, O_RDONLY)));
  return 0;
}

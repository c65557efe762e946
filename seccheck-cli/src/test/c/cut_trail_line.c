/*
 * Cuts a line of the trail, then acts: fills each disk named (where seccheck writes its trail)
 * through a file it unlinks, so that no name shows it; opens /etc/hostname 50 times while the
 * disks are full (the sink's line for one of them is cut short, and on_drop "deny" fails it);
 * frees the disks with close(), a call no sink sees; then opens /etc/passwd, whose line the
 * sink writes right after the fragment unless the fragment went; then 5 more opens.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int fills[8], n = 0;
    char buf[4096];
    memset(buf, 'x', sizeof buf);
    for (int i = 1; i < argc && n < 8; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/fill", argv[i]);
        int f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (f < 0) {
            perror(path);
            return 2;
        }
        unlink(path);
        while (write(f, buf, sizeof buf) > 0) {
        }
        while (write(f, buf, 1) > 0) {
        }
        fills[n++] = f;
    }
    int ok = 0, failed = 0;
    for (int i = 0; i < 50; i++) {
        int fd = open("/etc/hostname", O_RDONLY);
        if (fd >= 0) {
            ok++;
            close(fd);
        } else {
            failed++;
        }
    }
    for (int i = 0; i < n; i++) {
        close(fills[i]);
    }
    int secret = open("/etc/passwd", O_RDONLY);
    printf("while full ok=%d failed=%d; secret fd %s\n", ok, failed, secret >= 0 ? "opened" : "refused");
    for (int i = 0; i < 5; i++) {
        close(open("/etc/hostname", O_RDONLY));
    }
    return 0;
}

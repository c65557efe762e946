/*
 * Opens /etc/hostname every 300 us for the number of seconds given, closing each descriptor, and
 * prints how many opens succeeded: under seccheck with on_drop "deny", each open that succeeded
 * had its line written, and each whose line could not be written failed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    time_t end = time(NULL) + (argc > 1 ? atoi(argv[1]) : 4);
    long ok = 0, denied = 0;
    while (time(NULL) < end) {
        int fd = open("/etc/hostname", O_RDONLY);
        if (fd >= 0) {
            ok++;
            close(fd);
        } else {
            denied++;
        }
        usleep(300);
    }
    printf("pid %d ok=%ld denied=%ld\n", getpid(), ok, denied);
    return 0;
}

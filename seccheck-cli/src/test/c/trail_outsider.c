/*
 * A writer outside seccheck on a run's trail: appends numbered whole JSON lines to the file named,
 * without any lock, every 100 us for the seconds given, and prints the number of each line whose
 * write was whole, one a line, to the file named third.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: trail_outsider TRAIL SECONDS WRITTEN\n");
        return 2;
    }
    int fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT, 0666);
    FILE *written = fopen(argv[3], "w");
    if (fd < 0 || written == NULL) {
        perror("open");
        return 1;
    }
    time_t end = time(NULL) + atoi(argv[2]);
    for (long i = 0; time(NULL) < end; i++) {
        char line[64];
        int n = snprintf(line, sizeof line, "{\"outsider\":%ld}\n", i);
        if (write(fd, line, n) == n) {
            fprintf(written, "%ld\n", i);
        }
        usleep(100);
    }
    return fclose(written) == 0 ? 0 : 1;
}

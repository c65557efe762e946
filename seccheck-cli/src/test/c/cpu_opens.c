#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

/*
 * cpu_opens SECONDS: opens and closes /etc/hostname until it has used SECONDS of CPU time of its
 * own (user and system), then prints how many opens that took and exits 0. Under a trace of openat
 * the supervisor spends several times that on the calls.
 */
static double cpu(void) {
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_utime.tv_sec + r.ru_stime.tv_sec + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv) {
    double limit = argc > 1 ? atof(argv[1]) : 1.0;
    long n = 0;
    while (n % 256 != 0 || cpu() < limit) {
        int fd = open("/etc/hostname", O_RDONLY);
        if (fd >= 0) {
            close(fd);
        }
        n++;
    }
    printf("done %ld opens, cpu %.2fs\n", n, cpu());
    return 0;
}

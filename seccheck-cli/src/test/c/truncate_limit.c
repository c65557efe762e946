// Sets its own RLIMIT_FSIZE to 1024 and grows a file with truncate(2) past it, then within it:
// the kernel refuses the first with EFBIG and sends the caller SIGXFSZ (caught here and counted).
// Prints one line per truncate: its result, errno name, SIGXFSZ count so far, the file's size.
// A refused truncate waits up to 2 s for its signal: under seccheck it comes as the call returns.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t caught;
static int refused;

static void on_xfsz(int sig) {
    (void)sig;
    caught++;
}

static void grow(const char *path, long long length) {
    int r = truncate(path, length);
    int e = errno;
    if (r != 0 && e == EFBIG) {
        refused++;
        for (int i = 0; i < 200 && caught < refused; i++) {
            usleep(10000);
        }
    }
    struct stat st;
    stat(path, &st);
    printf("truncate %lld: %d %s sigxfsz=%d size=%lld\n", length, r, r ? (e == EFBIG ? "EFBIG" : strerror(e)) : "ok",
           (int)caught, (long long)st.st_size);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: truncate_limit FILE\n");
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_xfsz;
    sigaction(SIGXFSZ, &sa, NULL);
    struct rlimit lim = {1024, 1024};
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0) {
        perror("setrlimit");
        return 1;
    }
    int fd = open(argv[1], O_CREAT | O_WRONLY | O_TRUNC, 0600);
    if (fd < 0) {
        perror("open");
        return 1;
    }
    close(fd);
    grow(argv[1], 1LL << 40);
    grow(argv[1], 4096);
    grow(argv[1], 1024);
    grow(argv[1], 10);
    unlink(argv[1]);
    return 0;
}

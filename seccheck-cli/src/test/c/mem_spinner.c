/*
 * mem_spinner: a hostile workload for ExecAttachWindowTest. Its threads open
 * /proc/<parent>/mem (the parent is seccheck, which spawned it) and
 * /proc/<parent>/environ in a loop until the file named by argv[1] exists,
 * hoping to catch seccheck dumpable while a `seccheck exec` attaches.
 * Prints "spinning" once started and "attempts N won M" at the end.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char mem[64], environ_path[64];
static const char *stop_file;
static atomic_long attempts, won;

static void *spin(void *arg) {
    (void) arg;
    for (long i = 0;; i++) {
        if ((i & 1023) == 0 && access(stop_file, F_OK) == 0) {
            return NULL;
        }
        int fd = open((i & 1) ? environ_path : mem, O_RDONLY);
        atomic_fetch_add(&attempts, 1);
        if (fd >= 0) {
            atomic_fetch_add(&won, 1);
            close(fd);
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: mem_spinner STOP_FILE THREADS\n");
        return 2;
    }
    stop_file = argv[1];
    int n = atoi(argv[2]);
    snprintf(mem, sizeof mem, "/proc/%d/mem", (int) getppid());
    snprintf(environ_path, sizeof environ_path, "/proc/%d/environ", (int) getppid());
    pthread_t t[16];
    if (n < 1 || n > 16) {
        return 2;
    }
    for (int i = 0; i < n; i++) {
        pthread_create(&t[i], NULL, spin, NULL);
    }
    printf("spinning\n");
    fflush(stdout);
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
    }
    printf("attempts %ld won %ld\n", atomic_load(&attempts), atomic_load(&won));
    return 0;
}

/* A small multithreaded program: four threads each open, read, write, map and close, the main
 * thread joins them, then runs /bin/true (fork, exec, wait) and exits with its status.
 * EveryPointAloneTest runs it under every point of the catalog. */
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void *work(void *arg) {
    char buf[16];
    for (int i = 0; i < 4; i++) {
        int fd = open("/dev/zero", O_RDONLY);
        if (fd >= 0) {
            read(fd, buf, sizeof buf);
            close(fd);
        }
        void *m = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m != MAP_FAILED) {
            munmap(m, 4096);
        }
        write(1, "", 0);
    }
    return arg;
}

int main(void) {
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        if (pthread_create(&t[i], 0, work, 0) != 0) {
            return 2;
        }
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], 0);
    }
    pid_t child = fork();
    if (child == 0) {
        execl("/bin/true", "true", (char *) 0);
        _exit(127);
    }
    int status;
    if (child < 0 || waitpid(child, &status, 0) != child) {
        return 3;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 4;
}

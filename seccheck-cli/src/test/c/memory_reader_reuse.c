/*
 * memory_reader_reuse HANDOFF: a caller of process_vm_readv that ends and leaves its number to a
 * process outside the run (after the red team's mr.c). A thread reads this process's child, held
 * before its exec, once (process_vm_readv, which seccheck records for the child's exec to wait
 * for), and exits; its tid goes to HANDOFF/child, and once HANDOFF/go exists (an outside process
 * has taken the number meanwhile, PidHandoff) the child executes /bin/true, an exec a sink
 * decides. Prints "reader TID read N bytes; child status S" and exits 0 if the child's exec ran.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t child;
static char data[64] = "the child's data";
static long reader_tid;
static ssize_t reader_read;

static void *reader(void *unused) {
    char buf[64];
    struct iovec local = {buf, sizeof buf}, remote = {data, sizeof data};
    reader_read = process_vm_readv(child, &local, 1, &remote, 1, 0);
    reader_tid = syscall(SYS_gettid);
    return unused;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: memory_reader_reuse HANDOFF\n");
        return 2;
    }
    int go[2];
    if (pipe(go) != 0) {
        perror("pipe");
        return 1;
    }
    child = fork();
    if (child == 0) {
        char c;
        close(go[1]);
        if (read(go[0], &c, 1) != 1) {
            _exit(126);
        }
        execl("/bin/true", "true", (char *) NULL);
        _exit(127);
    }
    close(go[0]);
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    pthread_join(t, NULL);

    char path[4096], tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/child.tmp", argv[1]);
    snprintf(path, sizeof path, "%s/child", argv[1]);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        perror(tmp);
        return 1;
    }
    fprintf(f, "%ld\n", reader_tid);
    fclose(f);
    rename(tmp, path);
    snprintf(path, sizeof path, "%s/go", argv[1]);
    for (int i = 0; i < 1200 && access(path, F_OK) != 0; i++) {
        usleep(50000);
    }

    if (write(go[1], "x", 1) != 1) {
        perror("write");
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("reader %ld read %zd bytes; child status %d\n", reader_tid, reader_read, status);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

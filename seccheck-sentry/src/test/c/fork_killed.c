/* fork_killed ROUNDS: a forking process killed at random moments. Each round forks a process that
 * names itself "fk-victim" and forks children that exit at once, in a loop, and kills it 0-3 ms
 * later. The kernel skips the fork event of a process that is being killed, so a tracer may see a
 * child stop with no event from its creator. Then, for up to 5 s, it counts the processes named
 * "fk-victim" still alive (not zombies: orphans of the killed ones that never ran), and prints
 * "left N". Natively, and under seccheck, the count reaches 0. */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int alive_victims(void) {
    int n = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = 0;
        char *open = strchr(buf, '('), *close = strrchr(buf, ')');
        if (!open || !close || close[1] != ' ') continue;
        *close = 0;
        if (strcmp(open + 1, "fk-victim") == 0 && close[2] != 'Z') n++;
    }
    if (d) closedir(d);
    return n;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 200;
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    for (int r = 0; r < rounds; r++) {
        pid_t v = fork();
        if (v == 0) {
            prctl(PR_SET_NAME, "fk-victim");
            for (;;) {
                pid_t c = fork();
                if (c == 0) _exit(0);
                if (c > 0) waitpid(c, NULL, 0);
            }
        }
        usleep((useconds_t)(rand() % 3000));
        kill(v, SIGKILL);
        waitpid(v, NULL, 0);
    }
    int left = alive_victims();
    for (int i = 0; i < 100 && left > 0; i++) {
        usleep(50000);
        left = alive_victims();
    }
    printf("left %d\n", left);
    return 0;
}

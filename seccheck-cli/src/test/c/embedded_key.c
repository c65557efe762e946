/*
 * A program that holds a secret in its own file: run, it prints the key from its image. Executing
 * a file is reading it: the kernel maps it, and its code (or a library preloaded) reads it all.
 * With an argument N it then lingers N seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char key[] = "EMBEDDED-KEY=sk_0123456789";

int main(int argc, char **argv) {
    puts(key);
    fflush(stdout);
    if (argc > 1) {
        sleep((unsigned) atoi(argv[1]));
    }
    return 0;
}

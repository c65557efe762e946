/*
 * A program that holds a secret in its own file: run, it prints the key from its image. Executing
 * a file is reading it: the kernel maps it, and its code (or a library preloaded) reads it all.
 */
#include <stdio.h>

static const char key[] = "EMBEDDED-KEY=sk_0123456789";

int main(void) {
    puts(key);
    return 0;
}

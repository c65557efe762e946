/* A binfmt_misc handler for a format registered with flag O (or C): the kernel opens the file
 * executed and hands it to the handler as the AT_EXECFD descriptor of its auxiliary vector, with
 * no open of the program's. Prints the descriptor and the file's contents read through it. */
#include <stdio.h>
#include <sys/auxv.h>
#include <unistd.h>

int main(void) {
    long fd = (long)getauxval(AT_EXECFD);
    char buf[256];
    printf("execfd=%ld\n", fd);
    if (fd > 0) {
        ssize_t n = pread((int)fd, buf, sizeof buf - 1, 0);
        if (n < 0) {
            perror("pread");
            return 1;
        }
        buf[n] = 0;
        printf("READ VIA EXECFD: %s", buf);
    }
    return 0;
}

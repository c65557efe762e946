// Uses up process numbers until the next one the kernel hands out is just below TARGET.
//
// Usage: pid_cycle TARGET
//   Forks children that exit at once until one gets a number from TARGET-20 to TARGET-1 (the
//   numbers wrap at pid_max); prints the last number and exits 0, or exits 1 when TARGET was
//   passed over 3 times (other processes took the numbers in between).
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int target = argc == 2 ? atoi(argv[1]) : 0;
    if (target <= 21) {
        fprintf(stderr, "usage: pid_cycle TARGET (above 21)\n");
        return 2;
    }
    int passed = 0;
    pid_t prev = 0;
    while (passed < 3) {
        pid_t p = fork();
        if (p == 0) _exit(0);
        if (p < 0) return 1;
        waitpid(p, NULL, 0);
        if (p >= target - 20 && p < target) {
            printf("%d\n", p);
            return 0;
        }
        if (prev != 0 && prev < target && p > target) passed++;
        prev = p;
    }
    return 1;
}

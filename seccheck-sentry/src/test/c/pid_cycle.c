// Uses up process numbers until the next one the kernel hands out is just below TARGET.
//
// Usage: pid_cycle TARGET
//   Forks children that exit at once until one gets a number from TARGET-20 to TARGET-1 (the
//   numbers wrap at pid_max); prints the last number and exits 0, or exits 1 when TARGET was
//   passed over 3 times (other processes took the numbers in between). With CAP_SYS_ADMIN (as
//   root) it first sets the pid namespace's last number given (ns_last_pid) to TARGET-21, so the
//   next fork is in range: on a machine where a fork and exit take a millisecond and more,
//   cycling through 32,768 numbers took longer than the test's minute.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/** Sets the last number the kernel gave out in this pid namespace; quietly nothing when not allowed. */
static void set_last(int last) {
    int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        char b[16];
        int n = snprintf(b, sizeof b, "%d", last);
        if (write(fd, b, n) != n) {
            // not root over this pid namespace: cycle instead
        }
        close(fd);
    }
}

int main(int argc, char **argv) {
    int target = argc == 2 ? atoi(argv[1]) : 0;
    if (target <= 21) {
        fprintf(stderr, "usage: pid_cycle TARGET (above 21)\n");
        return 2;
    }
    set_last(target - 21);
    int passed = 0;
    pid_t prev = 0;
    while (passed < 3) {
        pid_t p = vfork();
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

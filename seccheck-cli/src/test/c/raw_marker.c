/*
 * A program with no libc and no ELF interpreter of its own: it writes RAW-RAN and exits 0. Built
 * with -static -nostdlib, it can stand as another program's ELF interpreter (PT_INTERP), which the
 * kernel then runs in that program's place.
 */
static long raw_syscall3(long nr, long a, long b, long c) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}

void _start(void) {
    static const char line[] = "RAW-RAN\n";
    raw_syscall3(1, 1, (long) line, sizeof line - 1); /* write */
    raw_syscall3(60, 0, 0, 0);                        /* exit */
    for (;;) {
    }
}

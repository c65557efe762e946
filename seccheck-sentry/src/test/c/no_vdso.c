/*
 * no_vdso DIR: unmaps its own vDSO (so no syscall instruction is left to inject through), writes
 * DIR/ready, then opens DIR/probe in a loop until DIR/stop exists. Only raw syscalls are used
 * after the unmap: libc's time functions would jump into the vDSO.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    char ready[4096], probe[4096], stop[4096];
    snprintf(ready, sizeof ready, "%s/ready", dir);
    snprintf(probe, sizeof probe, "%s/probe", dir);
    snprintf(stop, sizeof stop, "%s/stop", dir);
    unsigned long vdso = getauxval(AT_SYSINFO_EHDR);
    if (vdso == 0 || syscall(SYS_munmap, vdso, 2 * 4096) != 0) {
        return 2;
    }
    int fd = syscall(SYS_openat, AT_FDCWD, ready, O_WRONLY | O_CREAT, 0600);
    syscall(SYS_close, fd);
    struct timespec ms10 = {0, 10 * 1000 * 1000};
    for (int i = 0; i < 12000; i++) {
        if (syscall(SYS_faccessat, AT_FDCWD, stop, F_OK, 0) == 0) {
            return 0;
        }
        fd = syscall(SYS_openat, AT_FDCWD, probe, O_RDONLY);
        if (fd >= 0) {
            syscall(SYS_close, fd);
        }
        syscall(SYS_nanosleep, &ms10, NULL);
    }
    return 1;
}

/* uffd_stall: a program serves its own page faults (userfaultfd) and answers only its own
 * threads, then passes a path lying in such a page to a syscall. Natively the call succeeds (its
 * fault is the program's own, answered); a supervisor copying the path from the program's memory
 * faults too, is never answered, and waits in the kernel for good.
 *
 * Usage: uffd_stall open PATH   (openat of PATH)
 *        uffd_stall exec PATH   (execve of PATH with argv {PATH, "exec ran"}: give /bin/echo)
 *
 * Prints "userfaultfd ok" or "userfaultfd NO <errno>". Refused, it asks again for a userfaultfd
 * of user-mode faults only ("user-mode userfaultfd ok|NO <errno>"), which any user may have and
 * whose page the kernel's own copies cannot wait on. Then "open GOT <first line>", or
 * "open|exec NO <errno>"; a successful exec prints what echo prints. A fault from a thread not
 * of this process is reported on stderr ("fault from TID left unanswered"). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int uffd;
static char *page;
static char content[4096] __attribute__((aligned(4096)));

/* Answers faults from this process's threads with the page holding the path; leaves others waiting. */
static void *serve(void *arg) {
    (void)arg;
    for (;;) {
        struct uffd_msg m;
        if (read(uffd, &m, sizeof m) != sizeof m) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return NULL;
        }
        if (m.event != UFFD_EVENT_PAGEFAULT) continue;
        char task[64];
        snprintf(task, sizeof task, "/proc/self/task/%u", m.arg.pagefault.feat.ptid);
        if (access(task, F_OK) != 0) {
            fprintf(stderr, "fault from %u left unanswered\n", m.arg.pagefault.feat.ptid);
            continue;
        }
        struct uffdio_copy c = {.dst = (unsigned long)page, .src = (unsigned long)content, .len = 4096};
        ioctl(uffd, UFFDIO_COPY, &c);
    }
}

static int open_uffd(void) {
    uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
    if (uffd >= 0) {
        printf("userfaultfd ok\n");
        return 0;
    }
    printf("userfaultfd NO %s\n", strerrorname_np(errno));
    uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
    if (uffd >= 0) {
        printf("user-mode userfaultfd ok\n");
        return 0;
    }
    printf("user-mode userfaultfd NO %s\n", strerrorname_np(errno));
    return -1;
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "open") && strcmp(argv[1], "exec"))) {
        fprintf(stderr, "usage: uffd_stall open|exec PATH\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    snprintf(content, sizeof content, "%s", argv[2]);
    if (open_uffd() < 0) return 1;
    struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_THREAD_ID};
    if (ioctl(uffd, UFFDIO_API, &api)) {
        printf("UFFDIO_API NO %s\n", strerrorname_np(errno));
        return 1;
    }
    page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct uffdio_register r = {.range = {(unsigned long)page, 4096}, .mode = UFFDIO_REGISTER_MODE_MISSING};
    if (page == MAP_FAILED || ioctl(uffd, UFFDIO_REGISTER, &r)) {
        printf("UFFDIO_REGISTER NO %s\n", strerrorname_np(errno));
        return 1;
    }
    pthread_t t;
    pthread_create(&t, NULL, serve, NULL);
    if (!strcmp(argv[1], "open")) {
        int fd = openat(AT_FDCWD, page, O_RDONLY);
        if (fd < 0) {
            printf("open NO %s\n", strerrorname_np(errno));
            return 0;
        }
        char buf[256] = {0};
        ssize_t n = read(fd, buf, sizeof buf - 1);
        buf[n > 0 ? strcspn(buf, "\n") : 0] = 0;
        printf("open GOT %s\n", buf);
        return 0;
    }
    char *args[] = {argv[2], "exec ran", NULL};
    execve(page, args, NULL);
    printf("exec NO %s\n", strerrorname_np(errno));
    return 0;
}

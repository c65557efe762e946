/*
 * deep_names: files whose path from the root is longer than PATH_MAX (DeepPathsTest). A program
 * reaches them a component at a time (chdir, then a relative name), though the kernel names none
 * of them (d_path fails with ENAMETOOLONG).
 *
 *   deep_names make DIR TEXT   makes DIR/d...d/ (25 levels of 200 'd's) holding deepfile = TEXT
 *   deep_names read DIR        chdirs down that chain and prints deepfile, or "open: ERRNO"
 *   deep_names mkdir DIR       makes DIR and the chain below it with mkdir+chdir; prints "made" or
 *                              "mkdir LEVEL: ERRNO" at the first refusal
 *   deep_names chmod DIR       chdirs down that chain and chmods its last directory ("."); prints
 *                              "chmod ok" or "chmod: ERRNO"
 *
 * Always exits 0 once its arguments are right: the output says what happened.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LEVELS 25
#define LENGTH 200

static char component[LENGTH + 1];

static int down(const char *dir, int make) {
    if (chdir(dir) != 0) {
        printf("chdir %s: %s\n", dir, strerrorname_np(errno));
        return -1;
    }
    for (int i = 0; i < LEVELS; i++) {
        if (make && mkdir(component, 0755) != 0 && errno != EEXIST) {
            printf("mkdir %d: %s\n", i + 1, strerrorname_np(errno));
            return -1;
        }
        if (chdir(component) != 0) {
            printf("chdir %d: %s\n", i + 1, strerrorname_np(errno));
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: deep_names make|read|mkdir|chmod DIR [TEXT]\n");
        return 2;
    }
    memset(component, 'd', LENGTH);
    if (strcmp(argv[1], "make") == 0 && argc == 4) {
        if (down(argv[2], 1) != 0) {
            return 1;
        }
        int fd = open("deepfile", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, argv[3], strlen(argv[3])) < 0 || close(fd) != 0) {
            perror("deepfile");
            return 1;
        }
        printf("made\n");
    } else if (strcmp(argv[1], "read") == 0) {
        if (down(argv[2], 0) == 0) {
            char buf[256];
            int fd = open("deepfile", O_RDONLY);
            if (fd < 0) {
                printf("open: %s\n", strerrorname_np(errno));
            } else {
                ssize_t n = read(fd, buf, sizeof buf - 1);
                buf[n < 0 ? 0 : n] = 0;
                printf("read %s\n", buf);
            }
        }
    } else if (strcmp(argv[1], "mkdir") == 0) {
        if (mkdir(argv[2], 0755) != 0) {
            printf("mkdir %s: %s\n", argv[2], strerrorname_np(errno));
        } else if (down(argv[2], 1) == 0) {
            printf("made\n");
        }
    } else if (strcmp(argv[1], "chmod") == 0) {
        if (down(argv[2], 0) == 0) {
            if (chmod(".", 0755) != 0) {
                printf("chmod: %s\n", strerrorname_np(errno));
            } else {
                printf("chmod ok\n");
            }
        }
    } else {
        return 2;
    }
    return 0;
}

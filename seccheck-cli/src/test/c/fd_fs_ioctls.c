/*
 * fd_fs_ioctls: changes a directory and a file through read-only descriptors with the ioctls the
 * kernel allows their owner on any descriptor: FS_IOC_SET_ENCRYPTION_POLICY (fscrypt: from then on
 * nobody without the key creates a file in the directory), EXT4_IOC_MIGRATE (a file's blocks
 * mapped by extents, its 'e' flag set) and FS_IOC_ENABLE_VERITY (the file made read-only for
 * good, where the kernel and the filesystem have fs-verity). Prints each call's answer ("0" or
 * the errno's name) and the state after, so that a native run and one under seccheck compare line
 * for line.
 *
 *   fd_fs_ioctls change DIR   on DIR/enc (an empty directory) and DIR/f (a file whose blocks are
 *                             not mapped by extents) opened O_RDONLY: each call once (all but
 *                             verity succeed natively on the caller's), then their state
 *   fd_fs_ioctls cases DIR    successes and failures on DIR's enc, enc2, f and f2: policies v1
 *                             and v2, set again, another, a bad version, a file, a non-empty
 *                             directory, O_PATH, closed and pipe descriptors, arguments that end
 *                             where readable memory ends and unreadable ones
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/fscrypt.h>
#include <linux/fsverity.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define EXT4_IOC_MIGRATE _IO('f', 9)
#define EXT4_EXTENTS_FL 0x00080000

static const char *answer(long r) {
    static char buf[64];
    if (r >= 0) {
        snprintf(buf, sizeof buf, "%ld", r);
        return buf;
    }
    const char *name = strerrorname_np(errno);
    return name ? name : "E?";
}

#define SAY(what, call) do { errno = 0; long r_ = (long) (call); printf("%s = %s\n", what, answer(r_)); } while (0)

static struct fscrypt_policy_v1 v1(unsigned char key) {
    struct fscrypt_policy_v1 p = {.version = FSCRYPT_POLICY_V1, .contents_encryption_mode = FSCRYPT_MODE_AES_256_XTS,
        .filenames_encryption_mode = FSCRYPT_MODE_AES_256_CTS, .flags = FSCRYPT_POLICY_FLAGS_PAD_32};
    memset(p.master_key_descriptor, key, sizeof p.master_key_descriptor);
    return p;
}

static struct fscrypt_policy_v2 v2(unsigned char key) {
    struct fscrypt_policy_v2 p = {.version = FSCRYPT_POLICY_V2, .contents_encryption_mode = FSCRYPT_MODE_AES_256_XTS,
        .filenames_encryption_mode = FSCRYPT_MODE_AES_256_CTS, .flags = FSCRYPT_POLICY_FLAGS_PAD_32};
    memset(p.master_key_identifier, key, sizeof p.master_key_identifier);
    return p;
}

/* A page whose next page is unmapped: an argument placed at its end is readable up to there only. */
static char *page_end(void) {
    long size = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || munmap(p + size, size) != 0) {
        perror("mmap");
        exit(1);
    }
    return p + size;
}

/* Whether the directory has a policy, and the file's blocks are mapped by extents. */
static void state(const char *label, int dir, int file) {
    struct fscrypt_policy_v1 p;
    errno = 0;
    int r = ioctl(dir, FS_IOC_GET_ENCRYPTION_POLICY, &p);
    printf("%s: policy %s", label, r == 0 ? "set" : errno == ENODATA ? "none" : answer(-1));
    int flags = 0;
    if (ioctl(file, FS_IOC_GETFLAGS, &flags) == 0) {
        printf(" extents %d", (flags & EXT4_EXTENTS_FL) != 0);
    }
    printf("\n");
}

static int verity(int fd, const void *salt, unsigned salt_size) {
    struct fsverity_enable_arg arg = {.version = 1, .hash_algorithm = FS_VERITY_HASH_ALG_SHA256, .block_size = 4096,
        .salt_size = salt_size, .salt_ptr = (unsigned long) salt};
    return ioctl(fd, FS_IOC_ENABLE_VERITY, &arg);
}

static int opened(const char *dir, const char *name, int flags) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, flags);
    if (fd < 0) {
        printf("open %s %s\n", name, strerrorname_np(errno));
        exit(1);
    }
    return fd;
}

static int change(const char *dir) {
    int enc = opened(dir, "enc", O_RDONLY);
    int f = opened(dir, "f", O_RDONLY);
    struct fscrypt_policy_v1 p = v1(7);
    SAY("ro FS_IOC_SET_ENCRYPTION_POLICY", ioctl(enc, FS_IOC_SET_ENCRYPTION_POLICY, &p));
    SAY("ro EXT4_IOC_MIGRATE", ioctl(f, EXT4_IOC_MIGRATE, 0));
    SAY("ro FS_IOC_ENABLE_VERITY", verity(f, "salt", 4));
    state("ro", enc, f);
    return 0;
}

static int cases(const char *dir) {
    int enc = opened(dir, "enc", O_RDONLY);
    int enc2 = opened(dir, "enc2", O_RDONLY);
    int f = opened(dir, "f", O_RDONLY);
    int f2 = opened(dir, "f2", O_RDONLY);
    int top = opened(dir, ".", O_RDONLY);
    int opath = opened(dir, "enc2", O_PATH);
    int pipes[2];
    if (pipe(pipes) != 0) {
        return 1;
    }
    int closed = open("/dev/null", O_RDONLY);
    close(closed);
    char *end = page_end();
    void *unmapped = (void *) 8;
    struct fscrypt_policy_v1 p1 = v1(1), other = v1(2);
    struct fscrypt_policy_v2 p2 = v2(3);

    SAY("v1 opath", ioctl(opath, FS_IOC_SET_ENCRYPTION_POLICY, &p1));
    SAY("v1 closed", ioctl(closed, FS_IOC_SET_ENCRYPTION_POLICY, &p1));
    SAY("v1 pipe", ioctl(pipes[0], FS_IOC_SET_ENCRYPTION_POLICY, &p1));
    SAY("v1 unmapped", ioctl(enc, FS_IOC_SET_ENCRYPTION_POLICY, unmapped));
    SAY("v1 closed unmapped", ioctl(closed, FS_IOC_SET_ENCRYPTION_POLICY, unmapped));
    struct fscrypt_policy_v1 bad = v1(1);
    bad.version = 1;
    SAY("version 1", ioctl(enc, FS_IOC_SET_ENCRYPTION_POLICY, &bad));
    bad.version = 2;
    memcpy(end - 12, &bad, 12);
    SAY("v2 cut short", ioctl(enc, FS_IOC_SET_ENCRYPTION_POLICY, end - 12));
    bad = v1(1);
    bad.contents_encryption_mode = 77;
    SAY("v1 bad mode", ioctl(enc, FS_IOC_SET_ENCRYPTION_POLICY, &bad));
    SAY("v1 file", ioctl(f, FS_IOC_SET_ENCRYPTION_POLICY, &p1));
    SAY("v1 non-empty directory", ioctl(top, FS_IOC_SET_ENCRYPTION_POLICY, &p1));
    memcpy(end - sizeof p1, &p1, sizeof p1);
    SAY("v1 at the end of memory", ioctl(enc, FS_IOC_SET_ENCRYPTION_POLICY, end - sizeof p1));
    SAY("v1 again", ioctl(enc, FS_IOC_SET_ENCRYPTION_POLICY, &p1));
    SAY("v1 another", ioctl(enc, FS_IOC_SET_ENCRYPTION_POLICY, &other));
    memcpy(end - sizeof p2, &p2, sizeof p2);
    SAY("v2 at the end of memory", ioctl(enc2, FS_IOC_SET_ENCRYPTION_POLICY, end - sizeof p2));
    SAY("v2 again", ioctl(enc2, FS_IOC_SET_ENCRYPTION_POLICY, &p2));
    state("enc", enc, f);
    state("enc2", enc2, f2);

    SAY("migrate", ioctl(f, EXT4_IOC_MIGRATE, 0));
    SAY("migrate again", ioctl(f, EXT4_IOC_MIGRATE, 0));
    SAY("migrate opath", ioctl(opath, EXT4_IOC_MIGRATE, 0));
    SAY("migrate pipe", ioctl(pipes[0], EXT4_IOC_MIGRATE, 0));
    state("f", enc, f);

    SAY("verity", verity(f2, "salt", 4));
    SAY("verity unmapped", ioctl(f2, FS_IOC_ENABLE_VERITY, unmapped));
    SAY("verity unmapped salt", verity(f2, unmapped, 4));
    SAY("verity directory", verity(top, "salt", 4));
    SAY("verity opath", verity(opath, "salt", 4));
    SAY("verity pipe", verity(pipes[0], "salt", 4));
    state("f2", enc2, f2);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 3 && strcmp(argv[1], "change") == 0) {
        return change(argv[2]);
    }
    if (argc == 3 && strcmp(argv[1], "cases") == 0) {
        return cases(argv[2]);
    }
    fprintf(stderr, "usage: fd_fs_ioctls change DIR | cases DIR\n");
    return 2;
}

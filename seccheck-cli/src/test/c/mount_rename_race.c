// usage: mount_rename_race DIR
// Run in a user and mount namespace of its own (unshare -Urm). DIR holds sec/s.txt and an empty
// directory DIR/empty. A thread binds DIR/empty over DIR/sec and unmounts it, over and over, while
// the main thread renames DIR/sec to DIR/pub, up to 2,000 times (pausing after each EBUSY, as the
// mounter pauses), until one rename is made; then both mounts are taken away and DIR/pub/s.txt is
// read. Prints "renamed=R busy=B refused=E read=WHAT".
// A rename checked while the mount covered DIR/sec and made on the directory below it takes s.txt
// out of a rule on DIR/sec's names unchecked (red-team round 18).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static char sec[4096], pub[4096], empty[4096];
static volatile int stop;

static void *mounter(void *unused) {
    (void) unused;
    while (!stop) {
        if (mount(empty, sec, NULL, MS_BIND, NULL) == 0) {
            usleep(rand() % 50);
            umount2(sec, MNT_DETACH);
        }
        usleep(rand() % 50);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: mount_rename_race DIR\n");
        return 2;
    }
    snprintf(sec, sizeof sec, "%s/sec", argv[1]);
    snprintf(pub, sizeof pub, "%s/pub", argv[1]);
    snprintf(empty, sizeof empty, "%s/empty", argv[1]);
    int renamed = 0, busy = 0, refused = 0;
    pthread_t t;
    pthread_create(&t, NULL, mounter, NULL);
    for (int i = 0; i < 2000; i++) {
        if (rename(sec, pub) == 0) {
            renamed = 1;
            break;
        }
        if (errno == EBUSY) {
            busy++;
            // Leaves the CPU to the mounter, which may be descheduled with its mount in place: on a
            // busy machine every one of 2,000 renames made without a pause found DIR/sec mounted.
            usleep(rand() % 50);
        } else {
            refused++;
        }
    }
    stop = 1;
    pthread_join(t, NULL);
    umount2(sec, MNT_DETACH);
    umount2(pub, MNT_DETACH);
    char file[4200], got[64] = {0};
    snprintf(file, sizeof file, "%s/pub/s.txt", argv[1]);
    int fd = open(file, O_RDONLY);
    if (fd >= 0 && read(fd, got, sizeof got - 1) > 0) {
        got[strcspn(got, "\n")] = 0;
    }
    printf("renamed=%d busy=%d refused=%d read=%s\n", renamed, busy, refused, fd >= 0 ? got : strerror(errno));
    return 0;
}

// Cost of one held openat answered by a seccomp-unotify supervisor thread (listener flagged
// SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP), the floor under an emulated open, without the JVM. MODE:
//   0  "continue": the kernel opens
//   1  SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SEND: the supervisor opens and installs
//      the fd and answers in one step; the kernel wakes the program with a plain wake-up
//   2  as 1, the program's CPU mask narrowed to the supervisor's CPU around the ADDFD (not kept:
//      the program runs, and can see the narrowed mask, before the supervisor puts it back)
//   3  as 2, the supervisor's own mask narrowed too
//   4  ADDFD without SEND with both masks narrowed, both put back while the program still waits,
//      then the answer (a synchronous wake-up): what seccheck's emulation does (CpuHandover)
//   5  as 1 from a SCHED_IDLE supervisor thread, whose CPU the scheduler then counts as idle
//      (tried, no gain; it also needs CAP_SYS_NICE to leave SCHED_IDLE)
//   6  as 4 with only the program's mask narrowed, the supervisor's own left alone
//   7  ADDFD without SEND, then the answer, nothing narrowed
//   gcc -O2 -pthread -o /tmp/addfd-wake bench/addfd-wake.c && for m in 0 1 4; do /tmp/addfd-wake $m 20000; done
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "one-syscall-filter.h"
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1
#endif
static int listener, mode, n;
static long now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000L + t.tv_nsec; }
static void *serve(void *arg) {
  struct seccomp_notif req; struct seccomp_notif_resp resp;
  for (;;) {
    memset(&req, 0, sizeof req);
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) { if (errno == EINTR) continue; return NULL; }
    memset(&resp, 0, sizeof resp); resp.id = req.id;
    if (mode == 0) { resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE; ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp); continue; }
    int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
    cpu_set_t was, here;
    cpu_set_t mine;
    if (mode == 2 || mode == 3) { // the program woken on this CPU: its mask narrowed to it for the hand-over
      sched_getaffinity(req.pid, sizeof was, &was);
      CPU_ZERO(&here); CPU_SET(sched_getcpu(), &here);
      sched_setaffinity(req.pid, sizeof here, &here);
    }
    if (mode == 3) { // and this thread woken there when the program has installed the fd
      sched_getaffinity(0, sizeof mine, &mine);
      sched_setaffinity(0, sizeof here, &here);
    }
    struct seccomp_notif_addfd a = { .id = req.id, .flags = mode == 4 ? 0 : SECCOMP_ADDFD_FLAG_SEND, .srcfd = fd, .newfd = 0, .newfd_flags = 0 };
    if (mode == 4 || mode == 6 || mode == 7) { // install only, held here (4: both, 6: the program, 7: neither); masks back while the program still waits; then the answer
      a.flags = 0;
      if (mode != 7) {
        sched_getaffinity(req.pid, sizeof was, &was);
        CPU_ZERO(&here); CPU_SET(sched_getcpu(), &here);
        sched_setaffinity(req.pid, sizeof here, &here);
      }
      if (mode == 4) {
        sched_getaffinity(0, sizeof mine, &mine);
        sched_setaffinity(0, sizeof here, &here);
      }
      long got = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a);
      if (mode != 7) sched_setaffinity(req.pid, sizeof was, &was);
      if (mode == 4) sched_setaffinity(0, sizeof mine, &mine);
      resp.val = got;
      ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
      close(fd);
      continue;
    }
    if (mode == 5) { // this thread SCHED_IDLE for the hand-over: its CPU counts as idle for the wake-up (needs CAP_SYS_NICE to come back)
      struct sched_param sp = {0};
      sched_setscheduler(0, SCHED_IDLE, &sp);
      ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a);
      sched_setscheduler(0, SCHED_OTHER, &sp);
      close(fd);
      continue;
    }
    ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a);
    if (mode == 2 || mode == 3) sched_setaffinity(req.pid, sizeof was, &was);
    if (mode == 3) sched_setaffinity(0, sizeof mine, &mine);
    close(fd);
  }
}
int main(int argc, char **argv) {
  mode = atoi(argv[1]); n = atoi(argv[2]);
  int up[2], down[2]; pipe(up); pipe(down);
  pid_t child = fork();
  if (child == 0) {
    int l = one_syscall_filter(SYS_openat, SECCOMP_RET_USER_NOTIF, SECCOMP_FILTER_FLAG_NEW_LISTENER);
    write(up[1], &l, 4);
    char c; read(down[0], &c, 1);
    long t0 = now();
    for (int i = 0; i < n; i++) { int fd = openat(AT_FDCWD, "/etc/hostname", O_RDONLY); if (fd < 0) { perror("openat"); _exit(1); } close(fd); }
    long t1 = now();
    printf("%s: %ld ns per openat\n", mode == 0 ? "continue" : mode == 1 ? "addfd-send" : mode == 2 ? "addfd-send, program held on the supervisor's CPU" : mode == 3 ? "addfd-send, both held on one CPU" : mode == 4 ? "addfd then send, both held for the addfd" : mode == 5 ? "addfd-send from SCHED_IDLE" : mode == 6 ? "addfd then send, the program held for the addfd" : "addfd then send, nothing held", (t1 - t0) / n); fflush(stdout);
    _exit(0);
  }
  int l; read(up[0], &l, 4);
  int pidfd = syscall(SYS_pidfd_open, child, 0);
  listener = syscall(SYS_pidfd_getfd, pidfd, l, 0);
  __u64 fl = SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, fl) < 0) perror("set flags");
  pthread_t th; pthread_create(&th, NULL, serve, NULL);
  write(down[1], "g", 1);
  waitpid(child, NULL, 0);
  return 0;
}

package dev.seccheck.cli;

import java.util.List;
import java.util.Map;

/**
 * TraceGroups is the one table of the {@code -e trace=%group} classes, named and filled like
 * strace's (x86_64): what {@code %file}, {@code %network}, {@code %process}... expand to. Entries
 * with a slash are seccheck's lifecycle points, which strace has no syscall for.
 */
final class TraceGroups {
    private TraceGroups() {}

    static final List<String> LIFECYCLE = List.of("container/start", "sentry/clone", "sentry/execve",
            "sentry/exit_notify_parent", "sentry/task_exit", "sentry/mmap");

    static final Map<String, List<String>> GROUPS = Map.of(
            "file", List.of("open", "openat", "openat2", "creat", "stat", "lstat", "newfstatat", "statx", "access",
                    "faccessat", "faccessat2", "execve", "execveat", "chdir", "chroot", "mkdir", "mkdirat", "rmdir",
                    "unlink", "unlinkat", "rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat",
                    "readlink", "readlinkat", "chmod", "fchmodat", "chown", "lchown", "fchownat", "truncate", "utime",
                    "utimes", "utimensat", "futimesat", "mknod", "mknodat", "statfs", "getxattr", "setxattr",
                    "listxattr", "removexattr", "lgetxattr", "lsetxattr", "llistxattr", "lremovexattr",
                    "inotify_add_watch", "mount", "umount2", "swapon", "swapoff", "pivot_root", "acct",
                    "name_to_handle_at", "fanotify_mark", "quotactl", "uselib"),
            "desc", List.of("read", "write", "close", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev",
                    "dup", "dup2", "dup3", "fcntl", "ioctl", "lseek", "pipe", "pipe2", "fstat", "fstatfs", "select",
                    "pselect6", "poll", "ppoll", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait",
                    "epoll_pwait", "eventfd", "eventfd2", "signalfd", "signalfd4", "timerfd_create",
                    "timerfd_settime", "timerfd_gettime", "inotify_init", "inotify_init1", "fchdir", "fchmod",
                    "fchown", "flock", "fsync", "fdatasync", "ftruncate", "getdents64", "openat", "open", "creat",
                    "mmap", "sendfile", "splice", "tee", "copy_file_range"),
            "network", List.of("socket", "socketpair", "bind", "listen", "accept", "accept4", "connect",
                    "getsockname", "getpeername", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg",
                    "shutdown", "setsockopt", "getsockopt"),
            "process", List.of("clone", "clone3", "fork", "vfork", "execve", "execveat", "exit", "exit_group",
                    "wait4", "waitid", "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "unshare",
                    "setns", "sentry/clone", "sentry/execve", "sentry/exit_notify_parent", "sentry/task_exit"),
            "signal", List.of("rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigtimedwait",
                    "rt_sigsuspend", "sigaltstack", "kill", "tkill", "tgkill", "signalfd", "signalfd4", "pause",
                    "alarm", "rt_sigqueueinfo", "rt_tgsigqueueinfo"),
            "memory", List.of("brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mlock", "munlock",
                    "mlockall", "munlockall", "msync", "mincore", "pkey_mprotect", "remap_file_pages", "mbind",
                    "get_mempolicy", "set_mempolicy", "migrate_pages", "move_pages", "sentry/mmap"),
            "creds", List.of("setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "getuid",
                    "getgid", "geteuid", "getegid", "getresuid", "getresgid", "setfsuid", "setfsgid", "capget",
                    "capset", "setgroups", "getgroups", "prctl"),
            "lifecycle", LIFECYCLE);
}

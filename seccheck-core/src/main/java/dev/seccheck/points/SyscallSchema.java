package dev.seccheck.points;

import dev.seccheck.fields.FieldDesc;
import dev.seccheck.fields.OptionalFields;
import dev.seccheck.proto.common.MessageType;
import java.util.List;

/**
 * SyscallSchema describes one of the 54 schematized syscalls (x86-64): its number, name, the
 * optional fields its enter and exit points offer, and the message type carrying it.
 */
public record SyscallSchema(int sysno, String name, MessageType messageType, List<FieldDesc> optionalFields) {

    public SyscallSchema {
        optionalFields = List.copyOf(optionalFields);
    }

    private static final FieldDesc FD_PATH = OptionalFields.SYSCALL_FD_PATH;
    private static final FieldDesc ENVV = OptionalFields.SYSCALL_ENVV;

    /** Every schematized syscall, in syscall-number order. */
    public static final List<SyscallSchema> ALL = List.of(
        s(0, "read", MessageType.MESSAGE_SYSCALL_READ, FD_PATH),
        s(1, "write", MessageType.MESSAGE_SYSCALL_WRITE, FD_PATH),
        s(2, "open", MessageType.MESSAGE_SYSCALL_OPEN),
        s(3, "close", MessageType.MESSAGE_SYSCALL_CLOSE, FD_PATH),
        s(9, "mmap", MessageType.MESSAGE_SYSCALL_MMAP, FD_PATH),
        s(17, "pread64", MessageType.MESSAGE_SYSCALL_READ, FD_PATH),
        s(18, "pwrite64", MessageType.MESSAGE_SYSCALL_WRITE, FD_PATH),
        s(19, "readv", MessageType.MESSAGE_SYSCALL_READ, FD_PATH),
        s(20, "writev", MessageType.MESSAGE_SYSCALL_WRITE, FD_PATH),
        s(22, "pipe", MessageType.MESSAGE_SYSCALL_PIPE),
        s(32, "dup", MessageType.MESSAGE_SYSCALL_DUP, FD_PATH),
        s(33, "dup2", MessageType.MESSAGE_SYSCALL_DUP, FD_PATH),
        s(41, "socket", MessageType.MESSAGE_SYSCALL_SOCKET),
        s(42, "connect", MessageType.MESSAGE_SYSCALL_CONNECT, FD_PATH),
        s(43, "accept", MessageType.MESSAGE_SYSCALL_ACCEPT, FD_PATH),
        s(49, "bind", MessageType.MESSAGE_SYSCALL_BIND, FD_PATH),
        s(50, "listen", MessageType.MESSAGE_SYSCALL_LISTEN, FD_PATH),
        s(53, "socketpair", MessageType.MESSAGE_SYSCALL_SOCKETPAIR),
        s(56, "clone", MessageType.MESSAGE_SYSCALL_CLONE),
        s(57, "fork", MessageType.MESSAGE_SYSCALL_FORK),
        s(58, "vfork", MessageType.MESSAGE_SYSCALL_FORK),
        s(59, "execve", MessageType.MESSAGE_SYSCALL_EXECVE, ENVV),
        s(72, "fcntl", MessageType.MESSAGE_SYSCALL_FCNTL, FD_PATH),
        s(80, "chdir", MessageType.MESSAGE_SYSCALL_CHDIR),
        s(81, "fchdir", MessageType.MESSAGE_SYSCALL_CHDIR, FD_PATH),
        s(85, "creat", MessageType.MESSAGE_SYSCALL_OPEN, FD_PATH),
        s(101, "ptrace", MessageType.MESSAGE_SYSCALL_PTRACE),
        s(105, "setuid", MessageType.MESSAGE_SYSCALL_SETID),
        s(106, "setgid", MessageType.MESSAGE_SYSCALL_SETID),
        s(112, "setsid", MessageType.MESSAGE_SYSCALL_SETID),
        s(117, "setresuid", MessageType.MESSAGE_SYSCALL_SETRESID),
        s(119, "setresgid", MessageType.MESSAGE_SYSCALL_SETRESID),
        s(161, "chroot", MessageType.MESSAGE_SYSCALL_CHROOT),
        s(253, "inotify_init", MessageType.MESSAGE_SYSCALL_INOTIFY_INIT),
        s(254, "inotify_add_watch", MessageType.MESSAGE_SYSCALL_INOTIFY_ADD_WATCH, FD_PATH),
        s(255, "inotify_rm_watch", MessageType.MESSAGE_SYSCALL_INOTIFY_RM_WATCH, FD_PATH),
        s(257, "openat", MessageType.MESSAGE_SYSCALL_OPEN, FD_PATH),
        s(282, "signalfd", MessageType.MESSAGE_SYSCALL_SIGNALFD, FD_PATH),
        s(283, "timerfd_create", MessageType.MESSAGE_SYSCALL_TIMERFD_CREATE),
        s(284, "eventfd", MessageType.MESSAGE_SYSCALL_EVENTFD),
        s(286, "timerfd_settime", MessageType.MESSAGE_SYSCALL_TIMERFD_SETTIME, FD_PATH),
        s(287, "timerfd_gettime", MessageType.MESSAGE_SYSCALL_TIMERFD_GETTIME, FD_PATH),
        s(288, "accept4", MessageType.MESSAGE_SYSCALL_ACCEPT, FD_PATH),
        s(289, "signalfd4", MessageType.MESSAGE_SYSCALL_SIGNALFD, FD_PATH),
        s(290, "eventfd2", MessageType.MESSAGE_SYSCALL_EVENTFD),
        s(292, "dup3", MessageType.MESSAGE_SYSCALL_DUP, FD_PATH),
        s(293, "pipe2", MessageType.MESSAGE_SYSCALL_PIPE),
        s(294, "inotify_init1", MessageType.MESSAGE_SYSCALL_INOTIFY_INIT),
        s(295, "preadv", MessageType.MESSAGE_SYSCALL_READ, FD_PATH),
        s(296, "pwritev", MessageType.MESSAGE_SYSCALL_WRITE, FD_PATH),
        s(302, "prlimit64", MessageType.MESSAGE_SYSCALL_PRLIMIT64),
        s(322, "execveat", MessageType.MESSAGE_SYSCALL_EXECVE, FD_PATH, ENVV),
        s(327, "preadv2", MessageType.MESSAGE_SYSCALL_READ, FD_PATH),
        s(328, "pwritev2", MessageType.MESSAGE_SYSCALL_WRITE, FD_PATH));

    private static SyscallSchema s(int sysno, String name, MessageType type, FieldDesc... fields) {
        return new SyscallSchema(sysno, name, type, List.of(fields));
    }
}

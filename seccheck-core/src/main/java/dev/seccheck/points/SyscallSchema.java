package dev.seccheck.points;

import static dev.seccheck.proto.common.MessageType.*;

import dev.seccheck.abi.Sysno;
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
        s(Sysno.READ, MESSAGE_SYSCALL_READ, FD_PATH),
        s(Sysno.WRITE, MESSAGE_SYSCALL_WRITE, FD_PATH),
        s(Sysno.OPEN, MESSAGE_SYSCALL_OPEN),
        s(Sysno.CLOSE, MESSAGE_SYSCALL_CLOSE, FD_PATH),
        s(Sysno.MMAP, MESSAGE_SYSCALL_MMAP, FD_PATH),
        s(Sysno.PREAD64, MESSAGE_SYSCALL_READ, FD_PATH),
        s(Sysno.PWRITE64, MESSAGE_SYSCALL_WRITE, FD_PATH),
        s(Sysno.READV, MESSAGE_SYSCALL_READ, FD_PATH),
        s(Sysno.WRITEV, MESSAGE_SYSCALL_WRITE, FD_PATH),
        s(Sysno.PIPE, MESSAGE_SYSCALL_PIPE),
        s(Sysno.DUP, MESSAGE_SYSCALL_DUP, FD_PATH),
        s(Sysno.DUP2, MESSAGE_SYSCALL_DUP, FD_PATH),
        s(Sysno.SOCKET, MESSAGE_SYSCALL_SOCKET),
        s(Sysno.CONNECT, MESSAGE_SYSCALL_CONNECT, FD_PATH),
        s(Sysno.ACCEPT, MESSAGE_SYSCALL_ACCEPT, FD_PATH),
        s(Sysno.BIND, MESSAGE_SYSCALL_BIND, FD_PATH),
        s(Sysno.LISTEN, MESSAGE_SYSCALL_LISTEN, FD_PATH),
        s(Sysno.SOCKETPAIR, MESSAGE_SYSCALL_SOCKETPAIR),
        s(Sysno.CLONE, MESSAGE_SYSCALL_CLONE),
        s(Sysno.FORK, MESSAGE_SYSCALL_FORK),
        s(Sysno.VFORK, MESSAGE_SYSCALL_FORK),
        s(Sysno.EXECVE, MESSAGE_SYSCALL_EXECVE, ENVV),
        s(Sysno.FCNTL, MESSAGE_SYSCALL_FCNTL, FD_PATH),
        s(Sysno.CHDIR, MESSAGE_SYSCALL_CHDIR),
        s(Sysno.FCHDIR, MESSAGE_SYSCALL_CHDIR, FD_PATH),
        s(Sysno.CREAT, MESSAGE_SYSCALL_OPEN, FD_PATH),
        s(Sysno.PTRACE, MESSAGE_SYSCALL_PTRACE),
        s(Sysno.SETUID, MESSAGE_SYSCALL_SETID),
        s(Sysno.SETGID, MESSAGE_SYSCALL_SETID),
        s(Sysno.SETSID, MESSAGE_SYSCALL_SETID),
        s(Sysno.SETRESUID, MESSAGE_SYSCALL_SETRESID),
        s(Sysno.SETRESGID, MESSAGE_SYSCALL_SETRESID),
        s(Sysno.CHROOT, MESSAGE_SYSCALL_CHROOT),
        s(Sysno.INOTIFY_INIT, MESSAGE_SYSCALL_INOTIFY_INIT),
        s(Sysno.INOTIFY_ADD_WATCH, MESSAGE_SYSCALL_INOTIFY_ADD_WATCH, FD_PATH),
        s(Sysno.INOTIFY_RM_WATCH, MESSAGE_SYSCALL_INOTIFY_RM_WATCH, FD_PATH),
        s(Sysno.OPENAT, MESSAGE_SYSCALL_OPEN, FD_PATH),
        s(Sysno.SIGNALFD, MESSAGE_SYSCALL_SIGNALFD, FD_PATH),
        s(Sysno.TIMERFD_CREATE, MESSAGE_SYSCALL_TIMERFD_CREATE),
        s(Sysno.EVENTFD, MESSAGE_SYSCALL_EVENTFD),
        s(Sysno.TIMERFD_SETTIME, MESSAGE_SYSCALL_TIMERFD_SETTIME, FD_PATH),
        s(Sysno.TIMERFD_GETTIME, MESSAGE_SYSCALL_TIMERFD_GETTIME, FD_PATH),
        s(Sysno.ACCEPT4, MESSAGE_SYSCALL_ACCEPT, FD_PATH),
        s(Sysno.SIGNALFD4, MESSAGE_SYSCALL_SIGNALFD, FD_PATH),
        s(Sysno.EVENTFD2, MESSAGE_SYSCALL_EVENTFD),
        s(Sysno.DUP3, MESSAGE_SYSCALL_DUP, FD_PATH),
        s(Sysno.PIPE2, MESSAGE_SYSCALL_PIPE),
        s(Sysno.INOTIFY_INIT1, MESSAGE_SYSCALL_INOTIFY_INIT),
        s(Sysno.PREADV, MESSAGE_SYSCALL_READ, FD_PATH),
        s(Sysno.PWRITEV, MESSAGE_SYSCALL_WRITE, FD_PATH),
        s(Sysno.PRLIMIT64, MESSAGE_SYSCALL_PRLIMIT64),
        s(Sysno.EXECVEAT, MESSAGE_SYSCALL_EXECVE, FD_PATH, ENVV),
        s(Sysno.PREADV2, MESSAGE_SYSCALL_READ, FD_PATH),
        s(Sysno.PWRITEV2, MESSAGE_SYSCALL_WRITE, FD_PATH));

    /** The name is the kernel's, from the one table of x86-64 syscall numbers and names. */
    private static SyscallSchema s(int sysno, MessageType type, FieldDesc... fields) {
        return new SyscallSchema(sysno, Sysno.name(sysno), type, List.of(fields));
    }
}

package dev.seccheck.sentry.syscalls;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.seccheck.abi.Sysno;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.SyscallSchema;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.syscall.Syscall;

/**
 * SyscallDecoder builds gVisor's message for a syscall point from the registers the supervisor
 * saw and the memory of the task. Stateless and thread-safe; it never throws for what a traced
 * program passes: a field whose memory cannot be read is left out of the message.
 *
 * <p>Decisions where gVisor's behaviour is not forced by the kernel's:
 * <ul>
 *   <li>{@code exit} is present only on exit events. A call that succeeded has
 *       {@code result} = the return value and {@code errorno} = 0; a call that failed (the
 *       kernel returned -4095..-1) has {@code result} = 0 and {@code errorno} = the errno, as
 *       gVisor sends it (its syscalls return 0 with an error).</li>
 *   <li>Fields the kernel writes during the call (pipe and socketpair fds, accept's peer
 *       address, prlimit64's old limit, timerfd old and current values, dup's and clone's new
 *       ids) are filled only on the exit of a call that succeeded; see {@link SyscallsToRead}.</li>
 *   <li>readv, writev, preadv, pwritev, preadv2, pwritev2: {@code count} is the total of the
 *       iovec lengths, like gVisor; when the iovec array is unreadable (or iovcnt is outside
 *       0..1024) {@code count} is left out.</li>
 *   <li>openat carries {@code mode} only when flags hold O_CREAT or O_TMPFILE, since the
 *       register is garbage otherwise; open always carries it, as in gVisor. open, creat and
 *       chdir report fd = AT_FDCWD.</li>
 *   <li>{@code fd_path} is filled only when requested and offered by the syscall; negative
 *       fds (AT_FDCWD included) and anonymous mappings get none, as in gVisor.</li>
 *   <li>listen leaves address, socket_family and socket_type empty (see
 *       {@code SocketCalls.listen}).</li>
 * </ul>
 */
public final class SyscallDecoder {
    private SyscallDecoder() {}

    /**
     * Returns the schematized message for {@code ev} (e.g. Open for openat) with {@code ctx}
     * (left out when null), exit (only when {@code ev.exit()}), sysno and the syscall's
     * fields; optional fields only when requested in {@code fields.local()}.
     *
     * @throws IllegalArgumentException if {@code ev} is not a call of {@code schema}'s syscall
     */
    public static DecodedSyscall schematized(SyscallSchema schema, SyscallEvent ev, ContextData ctx,
                                             FieldSet fields, TaskMemory mem, FdPaths fds) {
        if (schema.sysno() != ev.sysno()) {
            throw new IllegalArgumentException(
                "event of syscall " + ev.sysno() + " decoded with the schema of " + schema.name() + " (" + schema.sysno() + ")");
        }
        Call c = new Call(schema, ev, ctx, fields, mem, fds);
        Message msg = decode(c);
        return new DecodedSyscall(schema.messageType(), msg, c.missing);
    }

    /** Returns the raw-point message: ctx (left out when null), sysno, arg1..arg6, exit on exit events. */
    public static Syscall raw(SyscallEvent ev, ContextData ctx) {
        var b = Syscall.newBuilder()
            .setSysno(Integer.toUnsignedLong(ev.sysno()))
            .setArg1(ev.arg1()).setArg2(ev.arg2()).setArg3(ev.arg3())
            .setArg4(ev.arg4()).setArg5(ev.arg5()).setArg6(ev.arg6());
        if (ctx != null) {
            b.setContextData(ctx);
        }
        if (ev.exit()) {
            b.setExit(Call.exitOf(ev));
        }
        return b.build();
    }

    /**
     * Returns the exit message of a call decoded at its enter: the enter message's fields, plus
     * the exit, {@code ctx} and the fields only the exit can know. Use it when the enter's data
     * is gone at exit ({@link SyscallsToRead#lostAtExit}) or to avoid reading memory twice;
     * task memory is read again only for syscalls whose {@link SyscallsToRead#exitData} is
     * {@code MEMORY}, and {@code fds} is not consulted.
     *
     * @throws IllegalArgumentException if {@code exit} is not the exit of {@code atEnter}'s syscall
     */
    public static DecodedSyscall completeAtExit(SyscallSchema schema, DecodedSyscall atEnter, SyscallEvent exit,
                                                ContextData ctx, FieldSet fields, TaskMemory mem) {
        if (!exit.exit()) {
            throw new IllegalArgumentException("completeAtExit needs an exit event, got the enter of " + schema.name());
        }
        if (atEnter.type() != schema.messageType()) {
            throw new IllegalArgumentException(
                "message of type " + atEnter.type() + " completed with the schema of " + schema.name());
        }
        TaskMemory exitMem = SyscallsToRead.exitData(schema.sysno()) == SyscallsToRead.ExitData.MEMORY ? mem : UNREADABLE;
        Message fresh = decode(new Call(schema, exit, ctx, fields, exitMem, fd -> ""));
        Message.Builder b = atEnter.message().toBuilder();
        Descriptor d = b.getDescriptorForType();
        copyField(fresh, b, d.findFieldByNumber(1));
        copyField(fresh, b, d.findFieldByNumber(2));
        for (String name : SyscallsToRead.exitFields(schema.sysno())) {
            copyField(fresh, b, d.findFieldByName(name));
        }
        return new DecodedSyscall(atEnter.type(), b.build());
    }

    private static void copyField(Message from, Message.Builder to, FieldDescriptor f) {
        if (from.hasField(f)) {
            to.setField(f, from.getField(f));
        } else {
            to.clearField(f);
        }
    }

    private static final TaskMemory UNREADABLE = new TaskMemory() {
        @Override
        public byte[] read(long addr, int len) throws MemoryFault {
            throw new MemoryFault(addr, "not read at exit");
        }

        @Override
        public String readString(long addr, int max) throws MemoryFault {
            throw new MemoryFault(addr, "not read at exit");
        }
    };

    private static Message decode(Call c) {
        return switch (c.schema.sysno()) {
            case Sysno.READ -> IoCalls.plain(c, false);
            case Sysno.WRITE -> IoCalls.plain(c, true);
            case Sysno.OPEN -> FileCalls.open(c);
            case Sysno.CLOSE -> FileCalls.close(c);
            case Sysno.MMAP -> FileCalls.mmap(c);
            case Sysno.PREAD64 -> IoCalls.positioned(c, false);
            case Sysno.PWRITE64 -> IoCalls.positioned(c, true);
            case Sysno.READV -> IoCalls.vector(c, false);
            case Sysno.WRITEV -> IoCalls.vector(c, true);
            case Sysno.PIPE -> FdCreatorCalls.pipe(c, false);
            case Sysno.DUP -> FileCalls.dup(c);
            case Sysno.DUP2 -> FileCalls.dup2or3(c, false);
            case Sysno.SOCKET -> SocketCalls.socket(c);
            case Sysno.CONNECT -> SocketCalls.connect(c);
            case Sysno.ACCEPT -> SocketCalls.accept(c, false);
            case Sysno.BIND -> SocketCalls.bind(c);
            case Sysno.LISTEN -> SocketCalls.listen(c);
            case Sysno.SOCKETPAIR -> SocketCalls.socketpair(c);
            case Sysno.CLONE -> ProcessCalls.clone(c);
            case Sysno.FORK, Sysno.VFORK -> ProcessCalls.fork(c);
            case Sysno.EXECVE -> ProcessCalls.execve(c);
            case Sysno.FCNTL -> FileCalls.fcntl(c);
            case Sysno.CHDIR -> FileCalls.chdir(c);
            case Sysno.FCHDIR -> FileCalls.fchdir(c);
            case Sysno.CREAT -> FileCalls.creat(c);
            case Sysno.PTRACE -> ProcessCalls.ptrace(c);
            case Sysno.SETUID, Sysno.SETGID -> ProcessCalls.setid(c);
            case Sysno.SETSID -> ProcessCalls.setsid(c);
            case Sysno.SETRESUID, Sysno.SETRESGID -> ProcessCalls.setresid(c);
            case Sysno.CHROOT -> FileCalls.chroot(c);
            case Sysno.INOTIFY_INIT -> FdCreatorCalls.inotifyInit(c, false);
            case Sysno.INOTIFY_ADD_WATCH -> FdCreatorCalls.inotifyAddWatch(c);
            case Sysno.INOTIFY_RM_WATCH -> FdCreatorCalls.inotifyRmWatch(c);
            case Sysno.OPENAT -> FileCalls.openat(c);
            case Sysno.SIGNALFD -> FdCreatorCalls.signalfd(c, false);
            case Sysno.TIMERFD_CREATE -> FdCreatorCalls.timerfdCreate(c);
            case Sysno.EVENTFD -> FdCreatorCalls.eventfd(c, false);
            case Sysno.TIMERFD_SETTIME -> FdCreatorCalls.timerfdSettime(c);
            case Sysno.TIMERFD_GETTIME -> FdCreatorCalls.timerfdGettime(c);
            case Sysno.ACCEPT4 -> SocketCalls.accept(c, true);
            case Sysno.SIGNALFD4 -> FdCreatorCalls.signalfd(c, true);
            case Sysno.EVENTFD2 -> FdCreatorCalls.eventfd(c, true);
            case Sysno.DUP3 -> FileCalls.dup2or3(c, true);
            case Sysno.PIPE2 -> FdCreatorCalls.pipe(c, true);
            case Sysno.INOTIFY_INIT1 -> FdCreatorCalls.inotifyInit(c, true);
            case Sysno.PREADV -> IoCalls.vectorPositioned(c, false);
            case Sysno.PWRITEV -> IoCalls.vectorPositioned(c, true);
            case Sysno.PRLIMIT64 -> ProcessCalls.prlimit64(c);
            case Sysno.EXECVEAT -> ProcessCalls.execveat(c);
            case Sysno.PREADV2 -> IoCalls.vectorPositioned2(c, false);
            case Sysno.PWRITEV2 -> IoCalls.vectorPositioned2(c, true);
            default -> throw new IllegalArgumentException(
                "syscall " + c.schema.sysno() + " (" + c.schema.name() + ") has no schematized message");
        };
    }
}

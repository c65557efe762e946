package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import static dev.seccheck.abi.Fcntl.F_SETFL;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_NONBLOCK;
import static dev.seccheck.abi.Mman.MAP_ANONYMOUS;
import static dev.seccheck.abi.Mman.MAP_PRIVATE;
import static dev.seccheck.abi.Mman.PROT_EXEC;
import static dev.seccheck.abi.Mman.PROT_READ;
import static dev.seccheck.abi.Mman.PROT_WRITE;

import dev.seccheck.abi.Signal;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * SignalPipe hands Java a signal with where it came from: QUIT, which the JVM keeps for itself
 * (HotSpot prints a thread dump on it and {@code sun.misc.Signal} refuses it, with or without
 * -Xrs), and the signals a terminal sends, whose sender {@code sun.misc.Signal} does not tell. Its
 * handler, a few x86-64 instructions in a page of their own installed with SA_SIGINFO, writes the
 * head of the signal's siginfo (number, errno, code, sender) into a pipe with one write(2)
 * (async-signal-safe, no libc, errno untouched, a record under PIPE_BUF: never split) and
 * returns; {@link #take} reads it on an ordinary Java thread. The handler replaces HotSpot's for
 * those signals for the life of the process: nothing in HotSpot reinstalls it (its handler
 * checks run only under -Xcheck:jni).
 */
public final class SignalPipe {

    private static final long PAGE = 4096;
    /** Restart the syscalls the signal interrupts in the JVM's threads, as HotSpot's own handlers do. */
    private static final int SA_RESTART = 0x10000000;
    /** The handler gets the signal's siginfo. */
    private static final int SA_SIGINFO = 4;
    /**
     * The head of siginfo_t the handler writes: si_signo, si_errno, si_code, and (after 4 bytes of
     * padding) the sender's si_pid and si_uid, meaningful for a signal a process sent.
     */
    private static final int RECORD = 24;
    private static final long SI_PID = 16;
    private static final long SI_UID = 20;
    /** siginfo's si_code of a kill(2), a sigqueue(3) and a tgkill(2): the codes with a sender. */
    public static final int SI_USER = 0;
    private static final int SI_QUEUE = -1;
    private static final int SI_TKILL = -6;
    /** siginfo's si_code of a signal the kernel sent on its own: a terminal's INT, QUIT, TSTP, WINCH, a hangup's HUP. */
    public static final int SI_KERNEL = 0x80;

    /**
     * Caught is one signal taken from the pipe: its number, its siginfo's code ({@link #SI_USER}
     * for a kill(2), {@link #SI_KERNEL} for one a terminal sent), and for a signal a process sent
     * (kill, sigqueue, tgkill) the sender's pid and uid.
     */
    public record Caught(int signal, int code, int senderPid, int senderUid) {
        /** Whether the kernel sent it on its own: a terminal's key, a resize, a hangup. */
        public boolean fromTerminal() {
            return code == SI_KERNEL;
        }

        /** The pid of the process that sent it (kill, sigqueue, tgkill), or 0 when no process did. */
        public int sender() {
            return code == SI_USER || code == SI_QUEUE || code == SI_TKILL ? senderPid : 0;
        }
    }

    /** glibc's struct sigaction on x86-64 (its sigaction fills sa_restorer itself). */
    private static final StructLayout SIGACTION = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("sa_handler"),
            MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_LONG).withName("sa_mask"),
            ValueLayout.JAVA_INT.withName("sa_flags"),
            MemoryLayout.paddingLayout(4),
            ValueLayout.ADDRESS.withName("sa_restorer"));
    private static final StructField.OfAddress SA_HANDLER =
            StructField.addresses(SIGACTION, MemoryLayout.PathElement.groupElement("sa_handler"));
    private static final StructField.OfInt SA_FLAGS =
            StructField.ints(SIGACTION, MemoryLayout.PathElement.groupElement("sa_flags"));

    /** glibc's sigaction, not the system call: it supplies the sa_restorer the kernel needs. */
    private static final Libc.Function SIGACTION_CALL = Libc.function("sigaction");

    private final int readFd;
    private final int writeFd;
    private final MemorySegment handler;
    private final MemorySegment buffer = Arena.ofAuto().allocate(RECORD, 4);

    private SignalPipe(int readFd, int writeFd, MemorySegment handler) {
        this.readFd = readFd;
        this.writeFd = writeFd;
        this.handler = handler;
    }

    /**
     * Routes {@code signals} to a new pipe: from now on each one delivered to this process is a
     * record for {@link #take} instead of its former action.
     *
     * @throws LinuxException if the pipe, the handler's page or a sigaction fails
     */
    public static SignalPipe catching(int... signals) throws LinuxException {
        if (!"amd64".equals(System.getProperty("os.arch"))) {
            throw new UnsupportedOperationException("the signal pipe's handler is x86-64 code; this JVM runs on "
                    + System.getProperty("os.arch"));
        }
        int[] fds = pipe();
        // The handler must never block: a full pipe drops the signal rather than hang a thread.
        NativeCall.call(slot -> Libc.syscall(slot, Sysno.FCNTL, fds[1], F_SETFL, O_NONBLOCK), NativeCall.Restart.ON_EINTR,
                "fcntl", () -> "fd " + fds[1] + ", F_SETFL, O_NONBLOCK");
        SignalPipe p = new SignalPipe(fds[0], fds[1], handler(fds[1]));
        p.catchAlso(signals);
        return p;
    }

    /** Routes {@code signals} to this pipe as well. */
    public void catchAlso(int... signals) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment act = arena.allocate(SIGACTION);
            SA_HANDLER.set(act, handler);
            SA_FLAGS.set(act, SA_RESTART | SA_SIGINFO);
            for (int sig : signals) {
                NativeCall.call(slot -> (int) Libc.call(slot, SIGACTION_CALL, sig, act.address(), 0, 0, 0, 0),
                        NativeCall.Restart.NEVER, "sigaction", () -> Signal.name(sig));
            }
        }
    }

    /**
     * Blocks until one of the signals arrives and returns it, or returns null once {@link #release}
     * was called and the signals before it were taken.
     */
    public Caught take() throws LinuxException {
        // Never end of file: this process holds the write end for good; a record is never split.
        NativeCall.call(slot -> Libc.syscall(slot, Sysno.READ, readFd, buffer.address(), (long) RECORD),
                NativeCall.Restart.ON_EINTR, "read", () -> "signal pipe fd " + readFd);
        int sig = buffer.get(ValueLayout.JAVA_INT, 0);
        return sig == 0 ? null : new Caught(sig, buffer.get(ValueLayout.JAVA_INT, 8),
                buffer.get(ValueLayout.JAVA_INT, SI_PID), buffer.get(ValueLayout.JAVA_INT, SI_UID));
    }

    /**
     * Makes {@link #take} return null, so that the thread blocked in it can end. A JVM exiting while
     * a thread sits in a native call waits up to 300 ms for that thread (HotSpot's VM exit gives
     * threads in native that long to block), so a process on its way out releases its reader
     * first. Signals arriving afterwards are still written to the pipe and simply never taken.
     */
    public void release() throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zero = arena.allocate(RECORD);
            NativeCall.call(slot -> Libc.syscall(slot, Sysno.WRITE, writeFd, zero.address(), (long) RECORD), NativeCall.Restart.ON_EINTR,
                    "write", () -> "signal pipe fd " + writeFd);
        }
    }

    private static int[] pipe() throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            NativeCall.call(slot -> Libc.syscall(slot, Sysno.PIPE2, fds.address(), O_CLOEXEC), NativeCall.Restart.NEVER,
                    "pipe2", () -> "O_CLOEXEC");
            return new int[] {fds.getAtIndex(ValueLayout.JAVA_INT, 0), fds.getAtIndex(ValueLayout.JAVA_INT, 1)};
        }
    }

    /**
     * Returns {@code void handler(int sig, siginfo_t *info, void *context)}: write(fd, info,
     * {@link #RECORD}), in a page made read-only and executable once written. It clobbers only
     * registers the ABI lets a callee clobber ({@code rsi} already holds {@code info}).
     */
    private static MemorySegment handler(int fd) throws LinuxException {
        byte[] code = {
            (byte) 0xb8, 1, 0, 0, 0,                        // mov eax, 1 (SYS_write)
            (byte) 0xbf, (byte) fd, (byte) (fd >> 8), (byte) (fd >> 16), (byte) (fd >> 24), // mov edi, fd
            (byte) 0xba, RECORD, 0, 0, 0,                   // mov edx, RECORD (rsi: info)
            0x0f, 0x05,                                     // syscall
            (byte) 0xc3,                                    // ret
        };
        long addr = NativeCall.call(slot -> Libc.syscall(slot, Sysno.MMAP, 0L, PAGE,
                PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L), NativeCall.Restart.NEVER,
                "mmap", () -> "the signal handler's page");
        MemorySegment page = MemorySegment.ofAddress(addr).reinterpret(PAGE);
        MemorySegment.copy(code, 0, page, ValueLayout.JAVA_BYTE, 0, code.length);
        NativeCall.call(slot -> Libc.syscall(slot, Sysno.MPROTECT, page.address(), PAGE, PROT_READ | PROT_EXEC),
                NativeCall.Restart.NEVER, "mprotect", () -> "the signal handler's page, PROT_READ|PROT_EXEC");
        return page;
    }
}

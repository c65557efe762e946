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
 * SignalPipe hands Java a signal the JVM keeps for itself: QUIT, on which HotSpot prints a
 * thread dump and which {@code sun.misc.Signal} refuses (with or without -Xrs). Its handler, a
 * few x86-64 instructions in a page of their own, writes the signal's number into a pipe with
 * one write(2) (async-signal-safe, no libc, errno untouched) and returns; {@link #take} reads it
 * on an ordinary Java thread. The handler replaces HotSpot's for that signal for the life of the
 * process: nothing in HotSpot reinstalls it (its handler checks run only under -Xcheck:jni).
 */
public final class SignalPipe {

    private static final long PAGE = 4096;
    /** Restart the syscalls the signal interrupts in the JVM's threads, as HotSpot's own handlers do. */
    private static final int SA_RESTART = 0x10000000;

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
    private final MemorySegment buffer = Arena.ofAuto().allocate(1);

    private SignalPipe(int readFd, int writeFd) {
        this.readFd = readFd;
        this.writeFd = writeFd;
    }

    /**
     * Routes {@code signals} to a new pipe: from now on each one delivered to this process is a
     * byte for {@link #take} instead of its former action.
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
        MemorySegment handler = handler(fds[1]);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment act = arena.allocate(SIGACTION);
            SA_HANDLER.set(act, handler);
            SA_FLAGS.set(act, SA_RESTART);
            for (int sig : signals) {
                NativeCall.call(slot -> (int) Libc.call(slot, SIGACTION_CALL, sig, act.address(), 0, 0, 0, 0),
                        NativeCall.Restart.NEVER, "sigaction", () -> Signal.name(sig));
            }
        }
        return new SignalPipe(fds[0], fds[1]);
    }

    /**
     * Blocks until one of the signals arrives and returns its number, or returns 0 (no signal's
     * number) once {@link #release} was called and the signals before it were taken.
     */
    public int take() throws LinuxException {
        // Never end of file: this process holds the write end for good.
        NativeCall.call(slot -> Libc.syscall(slot, Sysno.READ, readFd, buffer.address(), 1L), NativeCall.Restart.ON_EINTR,
                "read", () -> "signal pipe fd " + readFd);
        return buffer.get(ValueLayout.JAVA_BYTE, 0) & 0xff;
    }

    /**
     * Makes {@link #take} return 0, so that the thread blocked in it can end. A JVM exiting while
     * a thread sits in a native call waits up to 300 ms for that thread (HotSpot's VM exit gives
     * threads in native that long to block), so a process on its way out releases its reader
     * first. Signals arriving afterwards are still written to the pipe and simply never taken.
     */
    public void release() throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zero = arena.allocate(1);
            NativeCall.call(slot -> Libc.syscall(slot, Sysno.WRITE, writeFd, zero.address(), 1L), NativeCall.Restart.ON_EINTR,
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
     * Returns {@code void handler(int sig)}: write(fd, &sig, 1), in a page made read-only and
     * executable once written. It clobbers only registers the ABI lets a callee clobber.
     */
    private static MemorySegment handler(int fd) throws LinuxException {
        byte[] code = {
            0x57,                                           // push rdi: sig, its low byte first, at [rsp]
            (byte) 0xb8, 1, 0, 0, 0,                        // mov eax, 1 (SYS_write)
            (byte) 0xbf, (byte) fd, (byte) (fd >> 8), (byte) (fd >> 16), (byte) (fd >> 24), // mov edi, fd
            0x48, (byte) 0x89, (byte) 0xe6,                 // mov rsi, rsp
            (byte) 0xba, 1, 0, 0, 0,                        // mov edx, 1
            0x0f, 0x05,                                     // syscall
            0x5f,                                           // pop rdi
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

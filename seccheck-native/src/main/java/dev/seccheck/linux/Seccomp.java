package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Seccomp binds seccomp(2) filter installation for the calling thread, and the user-notification
 * listener: receive a held syscall, check it is still pending, answer it.
 */
public final class Seccomp {
    private Seccomp() {}

    public static final int SET_MODE_FILTER = 1;
    public static final int GET_NOTIF_SIZES = 3;
    public static final int FILTER_FLAG_NEW_LISTENER = 8;

    public static final int RET_KILL_PROCESS = 0x80000000;
    public static final int RET_ERRNO = 0x00050000;
    public static final int RET_USER_NOTIF = 0x7fc00000;
    public static final int RET_TRACE = 0x7ff00000;
    public static final int RET_ALLOW = 0x7fff0000;
    /** The bits of a filter's return value that carry data (an errno, a trace stop's message). */
    public static final int RET_DATA = 0x0000ffff;

    public static final int AUDIT_ARCH_X86_64 = 0xc000003e;
    public static final int X32_SYSCALL_BIT = 0x40000000;

    static final long IOCTL_NOTIF_RECV = 0xc0502100L;
    static final long IOCTL_NOTIF_SEND = 0xc0182101L;
    static final long IOCTL_NOTIF_ID_VALID = 0x40082102L;
    static final long IOCTL_NOTIF_SET_FLAGS = 0x40082104L;
    static final int USER_NOTIF_FLAG_CONTINUE = 1;
    static final long USER_NOTIF_FD_SYNC_WAKE_UP = 1;

    private static final int PR_SET_NO_NEW_PRIVS = 38;

    /** Size of struct seccomp_notif as this kernel knows it (at least {@link Layouts#SECCOMP_NOTIF}'s size). */
    static final int NOTIF_SIZE = notifSize();

    /** Sets no_new_privs on the calling thread, as installing a filter without privileges requires. */
    public static void setNoNewPrivs() throws LinuxException {
        NativeCall.call(slot -> Libc.syscall(slot, Sysno.PRCTL, PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L),
                NativeCall.Restart.NEVER, "prctl", () -> "PR_SET_NO_NEW_PRIVS");
    }

    /**
     * Installs a BPF program (an array of 8-byte {@code sock_filter}s) on the calling thread.
     *
     * @return the listener fd when {@code flags} has {@link #FILTER_FLAG_NEW_LISTENER}, else 0
     */
    public static int installFilter(byte[] program, int flags) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fprog = fprog(arena, program);
            return (int) Syscalls.call(Sysno.SECCOMP, SET_MODE_FILTER, flags, fprog.address(),
                    "seccomp", () -> "SECCOMP_SET_MODE_FILTER, " + flags);
        }
    }

    /** Copies {@code program} (8-byte {@code sock_filter}s) into {@code arena} and returns a {@code sock_fprog} pointing at it. */
    static MemorySegment fprog(Arena arena, byte[] program) {
        MemorySegment insns = arena.allocate(program.length, Layouts.SOCK_FILTER.byteAlignment());
        MemorySegment.copy(program, 0, insns, ValueLayout.JAVA_BYTE, 0, program.length);
        MemorySegment fprog = arena.allocate(Layouts.SOCK_FPROG);
        Layouts.FPROG_LEN.set(fprog, (short) (program.length / Layouts.SOCK_FILTER.byteSize()));
        Layouts.FPROG_FILTER.set(fprog, insns.address());
        return fprog;
    }

    /** Returns the bytes of a {@code struct sock_fprog} whose filter array starts at {@code filterAddr}. */
    public static byte[] fprog(int instructions, long filterAddr) {
        byte[] b = new byte[(int) Layouts.SOCK_FPROG.byteSize()];
        MemorySegment s = MemorySegment.ofArray(b);
        // A heap byte[] is only byte-aligned: copy through an aligned native struct.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fprog = arena.allocate(Layouts.SOCK_FPROG);
            Layouts.FPROG_LEN.set(fprog, (short) instructions);
            Layouts.FPROG_FILTER.set(fprog, filterAddr);
            MemorySegment.copy(fprog, 0, s, 0, b.length);
        }
        return b;
    }

    /** Closes a file descriptor of this process (the one close binding: {@link FileDescriptor#closeNumber}). */
    public static void close(int fd) throws LinuxException {
        FileDescriptor.closeNumber(fd);
    }

    private static int notifSize() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sizes = arena.allocate(Layouts.SECCOMP_NOTIF_SIZES);
            Syscalls.call(Sysno.SECCOMP, GET_NOTIF_SIZES, 0, sizes.address(), "seccomp", () -> "SECCOMP_GET_NOTIF_SIZES");
            int notif = Layouts.SIZES_NOTIF.get(sizes) & 0xffff;
            int resp = Layouts.SIZES_RESP.get(sizes) & 0xffff;
            if (notif < Layouts.SECCOMP_NOTIF.byteSize() || resp < Layouts.SECCOMP_NOTIF_RESP.byteSize()) {
                throw new IllegalStateException("unexpected seccomp notification sizes " + notif + "/" + resp);
            }
            return notif;
        } catch (LinuxException e) {
            // Kernels without user notification: filters with RET_USER_NOTIF cannot be used.
            return (int) Layouts.SECCOMP_NOTIF.byteSize();
        }
    }
}

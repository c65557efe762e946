package dev.seccheck.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

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

    public static final int AUDIT_ARCH_X86_64 = 0xc000003e;
    public static final int X32_SYSCALL_BIT = 0x40000000;

    static final long IOCTL_NOTIF_RECV = 0xc0502100L;
    static final long IOCTL_NOTIF_SEND = 0xc0182101L;
    static final long IOCTL_NOTIF_ID_VALID = 0x40082102L;
    static final long IOCTL_NOTIF_SET_FLAGS = 0x40082104L;
    static final int USER_NOTIF_FLAG_CONTINUE = 1;
    static final long USER_NOTIF_FD_SYNC_WAKE_UP = 1;

    private static final int PR_SET_NO_NEW_PRIVS = 38;

    private static final MethodHandle PRCTL = Libc.LINKER.downcallHandle(
            Libc.LOOKUP.find("prctl").orElseThrow(),
            FunctionDescriptor.of(Libc.C_INT, Libc.C_INT, Libc.C_LONG, Libc.C_LONG, Libc.C_LONG, Libc.C_LONG),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(1));
    static final MethodHandle IOCTL = Libc.LINKER.downcallHandle(
            Libc.LOOKUP.find("ioctl").orElseThrow(),
            FunctionDescriptor.of(Libc.C_INT, Libc.C_INT, Libc.C_LONG, Libc.C_POINTER),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = Libc.withErrno("close", FunctionDescriptor.of(Libc.C_INT, Libc.C_INT));

    /** Size of struct seccomp_notif as this kernel knows it (at least our 80-byte layout). */
    static final int NOTIF_SIZE = notifSize();

    /** Sets no_new_privs on the calling thread, as installing a filter without privileges requires. */
    public static void setNoNewPrivs() throws LinuxException {
        MemorySegment slot = Libc.errnoSlot();
        int r;
        try {
            r = (int) PRCTL.invokeExact(slot, PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r != 0) {
            throw new LinuxException("prctl(PR_SET_NO_NEW_PRIVS)", Libc.errno(slot));
        }
    }

    /**
     * Installs a BPF program (an array of 8-byte {@code sock_filter}s) on the calling thread.
     *
     * @return the listener fd when {@code flags} has {@link #FILTER_FLAG_NEW_LISTENER}, else 0
     */
    public static int installFilter(byte[] program, int flags) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment insns = arena.allocate(program.length, 8);
            MemorySegment.copy(program, 0, insns, ValueLayout.JAVA_BYTE, 0, program.length);
            MemorySegment fprog = arena.allocate(16, 8);
            fprog.set(ValueLayout.JAVA_SHORT, 0, (short) (program.length / 8));
            fprog.set(ValueLayout.JAVA_LONG, 8, insns.address());
            return (int) Syscalls.call("seccomp(SECCOMP_SET_MODE_FILTER)", Syscalls.SYS_SECCOMP, SET_MODE_FILTER, flags,
                    fprog.address());
        }
    }

    /** Returns the bytes of a {@code struct sock_fprog} whose filter array starts at {@code filterAddr}. */
    public static byte[] fprog(int instructions, long filterAddr) {
        byte[] b = new byte[16];
        MemorySegment s = MemorySegment.ofArray(b);
        s.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) instructions);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, filterAddr);
        return b;
    }

    /** Closes a file descriptor of this process. */
    public static void close(int fd) throws LinuxException {
        MemorySegment slot = Libc.errnoSlot();
        int r;
        try {
            r = (int) CLOSE.invokeExact(slot, fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r != 0) {
            throw new LinuxException("close(" + fd + ")", Libc.errno(slot));
        }
    }

    private static int notifSize() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sizes = arena.allocate(6, 2);
            Syscalls.call("seccomp(SECCOMP_GET_NOTIF_SIZES)", Syscalls.SYS_SECCOMP, GET_NOTIF_SIZES, 0, sizes.address());
            int notif = sizes.get(ValueLayout.JAVA_SHORT, 0) & 0xffff;
            int resp = sizes.get(ValueLayout.JAVA_SHORT, 2) & 0xffff;
            if (notif < 80 || resp < 24) {
                throw new IllegalStateException("unexpected seccomp notification sizes " + notif + "/" + resp);
            }
            return notif;
        } catch (LinuxException e) {
            // Kernels without user notification: filters with RET_USER_NOTIF cannot be used.
            return 80;
        }
    }
}

package dev.seccheck.linux;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Libc links functions of the C library for the binding classes of this package, with errno
 * captured right after the call ({@link Linker.Option#captureCallState}) so that no JVM activity
 * between the call and the check can overwrite it.
 *
 * <p>A system call the kernel serves directly goes through {@link #syscall}, one shared downcall.
 * A function only the C library provides (posix_spawn, sigaction, signal) gets a
 * {@link MethodHandle} of its own, made once in a static final with {@link #withErrno} or
 * {@link #plain}. Either is called through
 * {@link NativeCall} (or {@link FileDescriptor} for a call on a descriptor it owns), which passes
 * {@link #errnoSlot()} as the first argument and reads errno back when the call failed.
 */
final class Libc {
    private Libc() {}

    static final Linker LINKER = Linker.nativeLinker();
    static final SymbolLookup LOOKUP = LINKER.defaultLookup();

    /** C types on x86-64 Linux. */
    static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
    static final AddressLayout C_POINTER = ValueLayout.ADDRESS;

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /**
     * {@code syscall(nr, a..f)} with errno captured: the one downcall that every system call the
     * kernel serves directly goes through. Each distinct function descriptor costs a generated stub
     * and its invoke forms at every start (several ms of CPU each: the AOT cache cannot keep them
     * under {@code --illegal-native-access=deny}, BENCHMARKS.md "Start-up, session 7"), so these
     * calls share one. Pointers travel as addresses; {@link NativeCall} keeps the segments behind
     * them reachable until the call returns.
     */
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(symbol("syscall"),
            FunctionDescriptor.of(C_LONG, C_LONG, C_LONG, C_LONG, C_LONG, C_LONG, C_LONG, C_LONG),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));

    /** One errno slot per thread, reused by every call that thread makes: no allocation per call. */
    private static final ThreadLocal<MemorySegment> SLOT =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    /**
     * Links a C function whose errno matters. The handle takes the errno slot as an extra first
     * argument, before the C arguments.
     */
    static MethodHandle withErrno(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd, CAPTURE_ERRNO);
    }

    /** Links a C function that does not report through errno. */
    static MethodHandle plain(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd);
    }

    /**
     * Makes system call {@code nr} (a {@code Sysno} number) with errno captured in {@code slot}: the
     * result, or -1 with errno set. Arguments not given are 0.
     */
    static long syscall(MemorySegment slot, int nr, long a, long b, long c, long d, long e, long f) throws Throwable {
        return (long) SYSCALL.invokeExact(slot, (long) nr, a, b, c, d, e, f);
    }

    static long syscall(MemorySegment slot, int nr, long a) throws Throwable {
        return syscall(slot, nr, a, 0, 0, 0, 0, 0);
    }

    static long syscall(MemorySegment slot, int nr, long a, long b) throws Throwable {
        return syscall(slot, nr, a, b, 0, 0, 0, 0);
    }

    static long syscall(MemorySegment slot, int nr, long a, long b, long c) throws Throwable {
        return syscall(slot, nr, a, b, c, 0, 0, 0);
    }

    static long syscall(MemorySegment slot, int nr, long a, long b, long c, long d) throws Throwable {
        return syscall(slot, nr, a, b, c, d, 0, 0);
    }

    static long syscall(MemorySegment slot, int nr, long a, long b, long c, long d, long e) throws Throwable {
        return syscall(slot, nr, a, b, c, d, e, 0);
    }

    /** Returns the calling thread's errno slot, to pass as the first argument of a {@link #withErrno} handle. */
    static MemorySegment errnoSlot() {
        return SLOT.get();
    }

    /** Returns the errno captured in this slot by the last call that used it. */
    static int errno(MemorySegment slot) {
        return (int) ERRNO.get(slot, 0L);
    }

    /** Returns the errno the calling thread's last {@link #withErrno} call captured. */
    static int lastErrno() {
        return errno(SLOT.get());
    }

    private static MemorySegment symbol(String name) {
        return LOOKUP.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }
}

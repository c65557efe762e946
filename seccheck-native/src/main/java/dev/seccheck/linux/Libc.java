package dev.seccheck.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Libc calls functions of the C library for the binding classes of this package, with errno
 * captured right after the call ({@link Linker.Option#captureCallState}) so that no JVM activity
 * between the call and the check can overwrite it.
 *
 * <p><b>One downcall shape.</b> Every call goes through one downcall handle: a function at an
 * address, seven {@code long} arguments, a {@code long} result. The System V ABI of x86-64 passes
 * each integer or pointer argument in a 64-bit register of its own (the seventh on the stack)
 * whatever its C type, and returns an int in the low half of {@code rax}; so any function of ours,
 * whose arguments and result are all integers or pointers, is called correctly through that one
 * shape with its arguments widened to long, the arguments it does not take ignored, and its int
 * result narrowed back by the caller ({@code (int) call(...)}). The shape is declared variadic
 * after its first argument, so the stub sets {@code al} to 0 as a variadic callee (syscall(2))
 * needs; the others ignore it. Why: each distinct function descriptor costs a generated stub and
 * its invoke forms at every start (about 2 ms of CPU each, bench/DowncallShapes.java; the AOT cache
 * does not keep downcall stubs), and 15 of them did (BENCHMARKS.md, "Start-up, session 8").
 *
 * <p>A system call the kernel serves directly goes through {@link #syscall}; a function only the
 * C library provides (posix_spawn, sigaction, signal) is a {@link Function} made once in a static
 * final and called with {@link #call}. Either is called through {@link NativeCall} (or
 * {@link FileDescriptor} for a call on a descriptor it owns), which passes {@link #errnoSlot()} and
 * reads errno back when the call failed. Pointers travel as addresses: the memory behind them must
 * stay allocated until the call returns (an explicit arena's, or a segment the caller holds).
 */
final class Libc {
    private Libc() {}

    private static final Linker LINKER = Linker.nativeLinker();
    static final SymbolLookup LOOKUP = LINKER.defaultLookup();

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final StructField.OfInt ERRNO =
            StructField.ints(CAPTURE, MemoryLayout.PathElement.groupElement("errno"));

    /** {@code long f(long, ...)} at the address given first, errno captured in the segment given second. */
    private static final MethodHandle CALL = LINKER.downcallHandle(FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(1));

    private static final MemorySegment SYSCALL = symbol("syscall");

    /** One errno slot per thread, reused by every call that thread makes: no allocation per call. */
    private static final ThreadLocal<MemorySegment> SLOT =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    /**
     * Function is a function of the C library whose arguments and result are integers or pointers.
     *
     * @param name its symbol, for messages
     * @param address where it is
     */
    record Function(String name, MemorySegment address) {}

    /** Finds the C library's function {@code name}; fails with {@link UnsatisfiedLinkError} naming it. */
    static Function function(String name) {
        return new Function(name, symbol(name));
    }

    /**
     * Calls {@code fn(a, .., f)} with errno captured in {@code slot}, and returns what it returned
     * in {@code rax}: narrow it to int for a function that returns one. Arguments it does not take
     * are ignored; pass 0.
     */
    static long call(MemorySegment slot, Function fn, long a, long b, long c, long d, long e, long f) throws Throwable {
        return (long) CALL.invokeExact(fn.address(), slot, a, b, c, d, e, f, 0L);
    }

    /**
     * Makes system call {@code nr} (a {@code Sysno} number) with errno captured in {@code slot}: the
     * result, or -1 with errno set. Arguments not given are 0.
     */
    static long syscall(MemorySegment slot, int nr, long a, long b, long c, long d, long e, long f) throws Throwable {
        return (long) CALL.invokeExact(SYSCALL, slot, (long) nr, a, b, c, d, e, f);
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

    /** Returns the calling thread's errno slot, to pass to {@link #call} or {@link #syscall}. */
    static MemorySegment errnoSlot() {
        return SLOT.get();
    }

    /** Returns the errno captured in this slot by the last call that used it. */
    static int errno(MemorySegment slot) {
        return ERRNO.get(slot);
    }

    /** Returns the errno the calling thread's last call through its {@link #errnoSlot()} captured. */
    static int lastErrno() {
        return errno(SLOT.get());
    }

    private static MemorySegment symbol(String name) {
        return LOOKUP.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }
}

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
 * <p>Each binding class creates its {@link MethodHandle}s once, in static finals, with
 * {@link #withErrno} or {@link #plain}, and calls a {@link #withErrno} handle through
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

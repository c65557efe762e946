package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import dev.seccheck.abi.Errno;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Supplier;

/**
 * FileDescriptor owns one file descriptor of this process and closes it exactly once, never while
 * a call on it is in flight: a send racing {@link #close()} cannot land on a number the kernel has
 * meanwhile handed to another open file.
 *
 * <p>One int holds the whole state, changed only by compare-and-set: a CLOSING bit (no new call
 * may start), a CLOSED bit (close(2) was issued) and the count of calls in flight. A call
 * increments the count unless CLOSING is set, and decrements it when done. {@code close()} sets
 * CLOSING while taking a use of its own, so the number stays valid while it wakes calls blocked on
 * it; whoever brings the count to zero with CLOSING set, the closer or the last call, sets CLOSED
 * in the same step and issues close(2). That transition happens once, so close(2) does too.
 */
public final class FileDescriptor implements AutoCloseable {

    /** State is where a descriptor is in its life. */
    public enum State {
        /** Calls may start. */
        OPEN,
        /** Close was requested; calls in flight finish, new ones fail with EBADF. */
        CLOSING,
        /** The number was given back to the kernel. */
        CLOSED
    }

    /** Waker wakes calls blocked on a descriptor being closed (shutdown(2) for a socket). */
    @FunctionalInterface
    interface Waker {
        /** Called with the number, still owned, when close finds calls in flight. */
        void wake(int fd);
    }

    /** FdInvocation calls one downcall handle on this descriptor's number. */
    @FunctionalInterface
    interface FdInvocation {
        /** Calls the handle with the errno slot and the number; -1 means failure. */
        long invoke(MemorySegment errnoSlot, int fd) throws Throwable;
    }

    private static final int CLOSING = 1;
    private static final int CLOSED = 2;
    private static final int USE = 4;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(FileDescriptor.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int fd;
    private final String description;
    private final Supplier<String> describe = this::description;
    private final Waker waker;
    // Read and written through STATE with volatile semantics: a call that saw OPEN and counted
    // itself in is seen by every later close, which then cannot release the number under it.
    private volatile int state;

    /** Takes ownership of {@code fd}; {@code description} names it in errors ("/run/x.sock"). */
    public FileDescriptor(int fd, String description) {
        this(fd, description, null);
    }

    FileDescriptor(int fd, String description, Waker waker) {
        if (fd < 0) {
            throw new IllegalArgumentException("file descriptor " + fd + " for " + description);
        }
        this.fd = fd;
        this.description = description + ", fd " + fd;
        this.waker = waker;
    }

    /** Returns the number, e.g. to poll it or hand it to another process; valid only while open. */
    public int number() {
        return fd;
    }

    /** Returns where this descriptor is in its life. */
    public State state() {
        int s = state;
        return (s & CLOSED) != 0 ? State.CLOSED : (s & CLOSING) != 0 ? State.CLOSING : State.OPEN;
    }

    /** Returns whether close was requested (the number may still be in use by calls in flight). */
    public boolean isClosing() {
        return (state & CLOSING) != 0;
    }

    /**
     * Closes the descriptor once: at once when no call is in flight, else when the last one ends
     * (after waking blocked ones, for a socket). Later calls do nothing. Errors of close(2) are
     * not reported: the kernel releases the number even when it fails.
     */
    @Override
    public void close() {
        int s;
        do {
            s = state;
            if ((s & CLOSING) != 0) {
                return;
            }
        } while (!STATE.compareAndSet(this, s, (s | CLOSING) + USE));
        try {
            if (s >= USE && waker != null) {
                waker.wake(fd);
            }
        } finally {
            release();
        }
    }

    /**
     * Runs {@code call} with the number, counted as in flight so the number cannot be closed under
     * it; EINTR is retried when {@code restart} says so.
     *
     * @throws LinuxException when the call fails, or EBADF when the descriptor is closing
     */
    long call(String name, NativeCall.Restart restart, FdInvocation call) throws LinuxException {
        return orErrno(name, null, restart, 0, call);
    }

    /**
     * Like {@link #call}, with {@code detail} (when not null) named in errors after the descriptor,
     * and returning {@code -answer} instead of throwing when the call fails with errno {@code answer}.
     */
    long orErrno(String name, Object detail, NativeCall.Restart restart, int answer, FdInvocation call)
            throws LinuxException {
        acquire(name);
        try {
            return NativeCall.orErrno(slot -> call.invoke(slot, fd), restart, answer, name, describe, detail);
        } finally {
            release();
        }
    }

    /** Counts a use in flight, or throws EBADF naming {@code name} when closing. */
    void acquire(String name) throws LinuxException {
        int s;
        do {
            s = state;
            if ((s & CLOSING) != 0) {
                throw new LinuxException(name + "(" + description + ")", Errno.EBADF);
            }
        } while (!STATE.compareAndSet(this, s, s + USE));
    }

    /** Ends a use; the last one out after a close request closes the number. */
    void release() {
        int s;
        int next;
        do {
            s = state;
            next = s - USE;
            if (next == CLOSING) {
                next = CLOSING | CLOSED;
            }
        } while (!STATE.compareAndSet(this, s, next));
        if (next == (CLOSING | CLOSED)) {
            closeQuietly(fd);
        }
    }

    private String description() {
        return description;
    }

    @Override
    public String toString() {
        return "FileDescriptor[" + description + ", " + state() + "]";
    }

    /** Closes a descriptor number this process owns outright (no {@code FileDescriptor} for it). */
    public static void closeNumber(int fd) throws LinuxException {
        NativeCall.call(slot -> Libc.syscall(slot, Sysno.CLOSE, fd), NativeCall.Restart.NEVER, "close",
                () -> Integer.toString(fd));
    }

    private static void closeQuietly(int fd) {
        try {
            closeNumber(fd);
        } catch (LinuxException e) {
            // Linux releases the number even when close reports an error (EINTR, EIO): nothing to retry.
        }
    }
}

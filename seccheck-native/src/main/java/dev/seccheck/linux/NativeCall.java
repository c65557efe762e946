package dev.seccheck.linux;

import dev.seccheck.abi.Errno;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.util.function.Supplier;

/**
 * NativeCall is the one place a bound libc function is invoked: it passes the calling thread's
 * errno slot, reads errno when the result is -1, retries on EINTR when the call is restartable,
 * and otherwise throws a {@link LinuxException} naming the call, its arguments and the errno, e.g.
 * {@code sendmsg(/run/x.sock, fd 7): EPIPE (Broken pipe)}. The binding classes state only what
 * differs per call: the handle, its arguments, and which errnos are an answer rather than an error.
 */
final class NativeCall {
    private NativeCall() {}

    /** Restart says what an EINTR means for a call. */
    enum Restart {
        /** The call has no effect when interrupted: call it again. */
        ON_EINTR,
        /** An interrupted call may have had its effect (close, connect), or EINTR is an answer: report it. */
        NEVER
    }

    /** Invocation calls one downcall handle with the errno slot as its first argument. */
    @FunctionalInterface
    interface Invocation {
        /** Calls the handle; the result is widened to long (-1 means failure, errno in the slot). */
        long invoke(MemorySegment errnoSlot) throws Throwable;
    }

    /**
     * Invokes {@code call}, returning its non-negative result.
     *
     * @param name the C function, for the message
     * @param args its arguments as the message shows them, formatted only on failure so that the
     *     hot paths (ptrace, process_vm_readv, sendmsg) build no string per call
     * @throws LinuxException when the call fails
     */
    static long call(Invocation call, Restart restart, String name, Supplier<String> args) throws LinuxException {
        return orErrno(call, restart, 0, name, args);
    }

    /**
     * Like {@link #call}, but when the call fails with {@code answer} (EAGAIN for a non-blocking
     * socket, say) returns {@code -answer} instead of throwing.
     */
    static long orErrno(Invocation call, Restart restart, int answer, String name, Supplier<String> args)
            throws LinuxException {
        return orErrno(call, restart, answer, name, args, null);
    }

    /**
     * Like {@link #orErrno(Invocation, Restart, int, String, Supplier)}, with {@code detail} (when
     * not null) shown after the arguments: {@code ioctl(listener, fd 5, SECCOMP_IOCTL_NOTIF_RECV)}.
     */
    static long orErrno(Invocation call, Restart restart, int answer, String name, Supplier<String> args, Object detail)
            throws LinuxException {
        MemorySegment slot = Libc.errnoSlot();
        while (true) {
            long r = invoke(call, slot, name);
            // -1 is failure for every function bound here (ptrace's PEEK requests, whose data can
            // be -1, are not bound).
            if (r != -1) {
                return r;
            }
            int errno = Libc.errno(slot);
            if (errno == answer) {
                return -errno;
            }
            if (errno != Errno.EINTR || restart != Restart.ON_EINTR) {
                throw new LinuxException(name + "(" + args.get() + (detail == null ? "" : ", " + detail) + ")", errno);
            }
        }
    }

    private static long invoke(Invocation call, MemorySegment slot, String name) {
        try {
            return call.invoke(slot);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            // Downcall handles throw nothing checked; a mismatched handle type lands here.
            throw new AssertionError("native call " + name + " failed to link", t);
        } finally {
            // The invocation holds the segments whose addresses it passes (Libc.syscall takes
            // addresses, not segments): memory of an automatic arena must not be freed while the
            // kernel still reads or writes it, so they stay reachable until the call returns.
            Reference.reachabilityFence(call);
        }
    }
}

package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/** Wait binds waitpid(2) for a tracer thread: one instance per thread, reusing its status word. */
public final class Wait {

    /** Creates a waiter for the calling thread (it reuses its status word). */
    public Wait() {}

    /** Wait for all children, cloned or not. */
    public static final int WALL = 0x40000000;
    /** Wait only for this thread's own children and tracees, not those of other threads. */
    public static final int WNOTHREAD = 0x20000000;
    public static final int WNOHANG = 1;

    private final MemorySegment status = Arena.ofAuto().allocate(ValueLayout.JAVA_INT);

    /**
     * Waits for a state change; returns empty when {@code WNOHANG} was given and nothing changed.
     * EINTR is retried.
     */
    public Optional<WaitStatus> waitpid(int pid, int options) throws LinuxException {
        int r = (int) NativeCall.call(slot -> Libc.syscall(slot, Sysno.WAIT4, pid, status.address(), options, 0L),
                NativeCall.Restart.ON_EINTR, "waitpid", () -> Integer.toString(pid));
        return r == 0 ? Optional.empty() : Optional.of(WaitStatus.decode(r, status.get(ValueLayout.JAVA_INT, 0)));
    }

    /**
     * Waits as {@link #waitpid} does, blocking, with {@code sig} unblocked in the calling thread
     * meanwhile ({@link Signals#unblockedDuring}): empty when a handler of {@code sig} without
     * SA_RESTART ({@link Signals#interruptWith}) interrupted the wait, so another thread can wake
     * the waiting one.
     */
    public Optional<WaitStatus> waitpidUnless(int sig, int pid, int options) throws LinuxException {
        long r = Signals.unblockedDuring(sig, () -> Direct.call(Sysno.WAIT4, pid, status.address(), options, 0L));
        if (r == -dev.seccheck.abi.Errno.EINTR) {
            return Optional.empty();
        }
        if (r < 0) {
            throw new LinuxException("waitpid " + pid, (int) -r);
        }
        return r == 0 ? Optional.empty() : Optional.of(WaitStatus.decode((int) r, status.get(ValueLayout.JAVA_INT, 0)));
    }
}

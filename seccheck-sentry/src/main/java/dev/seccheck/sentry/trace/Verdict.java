package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Signal;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Pidfd;
import dev.seccheck.linux.Signals;
import dev.seccheck.state.PointState;

/**
 * Verdict is what the sinks decided about one held syscall: let it run, fail it with an errno, or
 * kill the calling process. The ptrace path and the notifier path both apply it through
 * {@link #enforce}, so a kill means the same thing whichever way the syscall was held.
 */
sealed interface Verdict {

    /** The syscall runs. */
    record Allow() implements Verdict {}

    /** The syscall fails with {@code errno} without running. */
    record Deny(int errno) implements Verdict {}

    /** The calling thread group is killed; the syscall does not run. */
    record Kill() implements Verdict {}

    /** The verdict of every syscall no sink objected to. */
    Verdict ALLOW = new Allow();

    /** The one kill verdict. */
    Verdict KILL = new Kill();

    /** Fails a held syscall with an errno, the way its path answers (registers or listener). */
    @FunctionalInterface
    interface Failure {
        void fail(int errno) throws LinuxException;
    }

    /**
     * Kills the calling process, by a means that reaches it and no process that took its number
     * since it was looked at.
     */
    @FunctionalInterface
    interface Killer {
        void kill();
    }

    /** Returns the verdict for what {@link PointState#fire} returned. */
    static Verdict of(int fired) {
        return fired == 0 ? ALLOW : fired == PointState.KILL ? KILL : new Deny(fired);
    }

    /**
     * Applies a verdict to a held syscall. A kill fails the syscall with EPERM as well, so it
     * cannot take effect before SIGKILL lands.
     *
     * @return whether the syscall was failed; when false the caller lets it run
     */
    static boolean enforce(Verdict v, Killer killer, Failure failure) throws LinuxException {
        return switch (v) {
            case Allow a -> false;
            case Deny d -> {
                failure.fail(d.errno());
                yield true;
            }
            case Kill k -> {
                killer.kill();
                failure.fail(Errno.EPERM);
                yield true;
            }
        };
    }

    /** Applies a verdict reached at a syscall's exit: it already ran, so only a kill has an effect. */
    static void enforceAfter(Verdict v, Killer killer) {
        if (v instanceof Kill) {
            killer.kill();
        }
    }

    /**
     * A killer of thread group {@code tgid} by its number, for a task stopped under seccheck's
     * ptrace, on the tracer thread: the number cannot have been given to another process, as the
     * stopped thread keeps its group's (a traced task's number is freed only once its tracer
     * waited for its end, which this thread has not).
     */
    static Killer stopped(int tgid) {
        return () -> {
            if (tgid <= 0) {
                // kill(0) or kill(-1) would reach the supervisor's own process group or every process.
                throw new IllegalArgumentException("no thread group to kill: " + tgid);
            }
            try {
                Signals.kill(tgid, Signal.SIGKILL);
            } catch (LinuxException e) {
                // Already gone: nothing left to stop.
            }
        };
    }

    /**
     * A killer through {@code process}, a pidfd of the caller (null: none could be had, and
     * nothing is killed).
     */
    static Killer through(Pidfd process) {
        return () -> {
            if (process != null) {
                process.signal(Signal.SIGKILL);
            }
        };
    }
}

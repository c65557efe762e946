package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Signal;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.linux.SeccompReplies;
import dev.seccheck.linux.Signals;
import dev.seccheck.sentry.syscalls.FdPaths;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import dev.seccheck.sentry.syscalls.TaskMemory;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sink.ReachedFile;
import dev.seccheck.state.PointState;

/**
 * Call is one held syscall being emulated: it fires the enter points of the call as seccheck
 * sees it, answers the notification (a value, an installed fd, or an errno) and fires the exit
 * points with the real result, all from the emulation thread that serves it.
 */
final class Call {

    private final SeccompNotification n;
    private final Task task;
    private final EmulatedPoints points;
    private SeccompReplies replies;
    private final FdPaths fds;
    /** Moves the rest of this call to a pool thread; null when the call is already on one. */
    private final Handover elsewhere;
    /** The file an open reached, for the sinks while its points fire; null for other calls. */
    private ReachedFile reached;

    /** What is left of a call moved to a pool thread, run there with that thread's open emulation. */
    interface Rest {
        void finish(OpenEmulation opens);
    }

    /** Moves what is left of a call to a pool thread. */
    interface Handover {
        void take(Call call, Rest rest);
    }

    /**
     * @param elsewhere moves what is left of the call to a pool thread (which takes it with
     *     {@link #replyWith}); null when this call is served on a pool thread already
     */
    Call(SeccompNotification n, Task task, EmulatedPoints points, SeccompReplies replies, FdPaths fds,
            Handover elsewhere) {
        this.n = n;
        this.task = task;
        this.points = points;
        this.replies = replies;
        this.fds = fds;
        this.elsewhere = elsewhere;
    }

    /** Returns whether the call is served on the notifier thread, which must not block. */
    boolean onNotifier() {
        return elsewhere != null;
    }

    /** Finishes the call on a pool thread (only when {@link #onNotifier}). */
    void finishElsewhere(Rest rest) {
        elsewhere.take(this, rest);
    }

    /** The thread that takes the call over answers it with its own reply buffers. */
    void replyWith(SeccompReplies r) {
        this.replies = r;
    }

    int tid() {
        return n.tid();
    }

    int tgid() {
        return task.tgid();
    }

    SeccompNotification notification() {
        return n;
    }

    /** Names the file this open reached, for the points fired from now on (see {@link ReachedFile}). */
    void reached(ReachedFile file) {
        this.reached = file;
    }

    private int fire(SyscallEvent ev, TaskMemory mem) {
        if (reached == null) {
            return points.fire(task, ev, mem, fds);
        }
        return ScopedValue.where(ReachedFile.CURRENT, reached).call(() -> points.fire(task, ev, mem, fds));
    }

    /**
     * Fires the enter points of {@code ev}, decoded from {@code mem}.
     *
     * @return 0 when the call may proceed, else the errno it has already been failed with
     */
    int enter(SyscallEvent ev, TaskMemory mem) {
        int fired = fire(ev, mem);
        if (fired == 0) {
            return 0;
        }
        if (fired == PointState.KILL) {
            kill();
            fail(ev, mem, Errno.EPERM, false);
            return Errno.EPERM;
        }
        fail(ev, mem, fired, true);
        return fired;
    }

    /**
     * Fires the enter points of {@code ev} without answering the call (one of several messages of
     * a sendmmsg). A kill verdict kills the process and reads as EPERM.
     *
     * @return 0 when allowed, else the errno the sinks chose
     */
    int check(SyscallEvent ev, TaskMemory mem) {
        int fired = fire(ev, mem);
        if (fired == PointState.KILL) {
            kill();
            return Errno.EPERM;
        }
        return fired;
    }

    /**
     * Lets the held syscall run as the program made it: nothing in it needs checking, or (O_PATH)
     * its enter points allowed it and the kernel must make it itself; its exit is not seen.
     */
    void allowAsMade() {
        replies.allow(n.id());
    }

    /** Fails the call with {@code errno} and reports that result at the exit points. */
    void fail(SyscallEvent ev, TaskMemory mem, int errno) {
        fail(ev, mem, errno, true);
    }

    // Exit points fire before the answer: the answer resumes the program, whose next syscall must
    // not be reported before this one's exit.
    private void fail(SyscallEvent ev, TaskMemory mem, int errno, boolean report) {
        if (report) {
            exit(ev, mem, -errno);
        }
        replies.deny(n.id(), errno);
    }

    /** Completes the call with {@code value} (connect's 0, sendto's count). */
    void complete(SyscallEvent ev, TaskMemory mem, long value) {
        if (value < 0) {
            fail(ev, mem, (int) -value);
            return;
        }
        exit(ev, mem, value);
        replies.returnValue(n.id(), value);
    }

    /**
     * Installs our fd {@code fd} in the program and closes ours, reports the program's number at
     * the exit points, then answers the call with it.
     */
    void install(SyscallEvent ev, TaskMemory mem, int fd, boolean cloexec) {
        if (!points.wantsExit(ev.sysno())) {
            // No exit point to fire first: install and answer in one step, one wake-up of the task.
            long r = replies.installAndAnswer(n.id(), fd, cloexec);
            dev.seccheck.linux.PathCalls.close(fd);
            if (r < 0 && r != -Errno.ENOENT) {
                replies.deny(n.id(), (int) -r);
            }
            return;
        }
        long r = replies.install(n.id(), fd, cloexec);
        dev.seccheck.linux.PathCalls.close(fd);
        if (r == -Errno.ENOENT) {
            return; // the task is gone
        }
        if (r < 0) {
            fail(ev, mem, (int) -r);
            return;
        }
        exit(ev, mem, r);
        replies.returnValue(n.id(), r);
    }

    private void exit(SyscallEvent enter, TaskMemory mem, long result) {
        if (!points.wantsExit(enter.sysno())) {
            return;
        }
        SyscallEvent ev = new SyscallEvent(enter.tid(), enter.sysno(), enter.arg1(), enter.arg2(), enter.arg3(),
                enter.arg4(), enter.arg5(), enter.arg6(), true, result);
        if (fire(ev, mem) == PointState.KILL) {
            kill();
        }
    }

    private void kill() {
        if (task.tgid() <= 0) {
            return; // kill(0) would reach seccheck's own process group
        }
        try {
            Signals.kill(task.tgid(), Signal.SIGKILL);
        } catch (LinuxException e) {
            // Already gone.
        }
    }
}

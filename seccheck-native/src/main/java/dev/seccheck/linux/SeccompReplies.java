package dev.seccheck.linux;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * SeccompReplies answers notifications of a {@link SeccompListener} from a thread other than the
 * one receiving them: each emulation thread has its own, with its own buffers, so replies need no
 * lock. Besides "continue" and an errno it can return a value the supervisor computed (connect's
 * 0, sendto's count) and install a file descriptor as the syscall's result
 * ({@code SECCOMP_IOCTL_NOTIF_ADDFD}, then the answer with its number).
 */
public final class SeccompReplies {

    /** SECCOMP_ADDFD_FLAG_SEND: the addfd also answers the syscall with the new fd's number. */
    private static final int ADDFD_FLAG_SEND = 1 << 1;

    static final long IOCTL_NOTIF_ADDFD = 0x40182103L;

    private final FileDescriptor fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment resp = arena.allocate(Layouts.SECCOMP_NOTIF_RESP);
    private final MemorySegment addfd = arena.allocate(Layouts.SECCOMP_NOTIF_ADDFD);
    private final MemorySegment id = arena.allocate(ValueLayout.JAVA_LONG);
    private final CpuHandover handover = new CpuHandover();

    SeccompReplies(FileDescriptor fd) {
        this.fd = fd;
    }

    /** Returns whether the notification is still pending (its task is still waiting for the answer). */
    public boolean stillValid(long notificationId) {
        // The one method another thread may call too (a sweeper asking whether a waiting call is
        // still awaited, while its thread waits in the kernel): its buffer is guarded.
        synchronized (id) {
            id.set(ValueLayout.JAVA_LONG, 0, notificationId);
            return ioctl(Seccomp.IOCTL_NOTIF_ID_VALID, "SECCOMP_IOCTL_NOTIF_ID_VALID", id) == 0;
        }
    }

    /** Lets the held syscall run. Returns false if the task is gone. */
    public boolean allow(long notificationId) {
        return respond(notificationId, 0, 0, Seccomp.USER_NOTIF_FLAG_CONTINUE);
    }

    /** Fails the held syscall with {@code errno}. Returns false if the task is gone. */
    public boolean deny(long notificationId, int errno) {
        return respond(notificationId, 0, -errno, 0);
    }

    /** Completes the held syscall with {@code value} as its result, without running it. */
    public boolean returnValue(long notificationId, long value) {
        return respond(notificationId, value, 0, 0);
    }

    /**
     * Installs {@code srcFd} (ours) in the notifying task, with close-on-exec when asked, without
     * answering the held syscall: the caller learns the number first (to report it) and answers
     * with {@link #returnValue}. If the task is interrupted or dies before that answer, the new
     * descriptor stays in its table (or goes with it).
     *
     * @return the fd number in the task, or -errno (ENOENT: the task is gone; EMFILE: its table is full)
     */
    public long install(long notificationId, int srcFd, boolean cloexec) {
        return addfd(notificationId, srcFd, cloexec, 0); // the answer comes after the exit points
    }

    /**
     * Installs {@code srcFd} (ours) in the notifying task and answers the held syscall with its
     * number in one step (SECCOMP_ADDFD_FLAG_SEND, Linux 5.14): the task is woken once, where
     * {@link #install} then {@link #returnValue} wake it twice (the kernel makes the task itself
     * install the fd, then waits for it).
     *
     * @return the fd number in the task, or -errno (ENOENT: the task is gone; EMFILE: its table is
     *     full, and the syscall is still held)
     */
    public long installAndAnswer(long notificationId, int srcFd, boolean cloexec) {
        return addfd(notificationId, srcFd, cloexec, ADDFD_FLAG_SEND);
    }

    /**
     * Holds the notifying task {@code tid} on this thread's CPU until {@link #letGo}, for an
     * {@link #install}: the kernel wakes the task to install an fd with a plain wake-up, which
     * sends it to an idle CPU when this one is busy, and the task wakes this thread the same way
     * when it has (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP covers only the answer). Let go before the
     * answer, so the task's own thread never runs with the narrowed mask. Returns whether it holds
     * ({@link CpuHandover}: not for a task on one CPU, elsewhere, or of another user).
     */
    public boolean holdHere(int tid) {
        return handover.hold(tid);
    }

    /** Ends a {@link #holdHere} that returned true: the task's CPU mask is put back. */
    public void letGo() {
        handover.release();
    }

    private long addfd(long notificationId, int srcFd, boolean cloexec, int flags) {
        Layouts.ADDFD_ID.set(addfd, notificationId);
        Layouts.ADDFD_FLAGS.set(addfd, flags);
        Layouts.ADDFD_SRCFD.set(addfd, srcFd);
        Layouts.ADDFD_NEWFD.set(addfd, 0); // without SECCOMP_ADDFD_FLAG_SETFD: the lowest free number
        Layouts.ADDFD_NEWFD_FLAGS.set(addfd, cloexec ? Fcntl.O_CLOEXEC : 0);
        return ioctl(IOCTL_NOTIF_ADDFD, "SECCOMP_IOCTL_NOTIF_ADDFD", addfd);
    }

    private boolean respond(long notificationId, long value, int error, int respFlags) {
        Layouts.RESP_ID.set(resp, notificationId);
        Layouts.RESP_VAL.set(resp, value);
        Layouts.RESP_ERROR.set(resp, error);
        Layouts.RESP_FLAGS.set(resp, respFlags);
        return ioctl(Seccomp.IOCTL_NOTIF_SEND, "SECCOMP_IOCTL_NOTIF_SEND", resp) == 0;
    }

    /** Returns the ioctl's result or -errno; the seccomp ioctls do nothing before their interruptible lock. */
    private long ioctl(long request, String name, MemorySegment arg) {
        try {
            fd.acquire(name);
        } catch (LinuxException closed) {
            return -closed.errno();
        }
        try {
            MemorySegment slot = Libc.errnoSlot();
            while (true) {
                int r = (int) Libc.syscall(slot, Sysno.IOCTL, fd.number(), request, arg.address());
                if (r != -1) {
                    return r;
                }
                int errno = Libc.errno(slot);
                if (errno != Errno.EINTR) {
                    return -errno;
                }
            }
        } catch (Throwable t) {
            throw new AssertionError("ioctl " + name + " failed to link", t);
        } finally {
            fd.release();
        }
    }

    /** Releases the buffers; the listener stays open. */
    public void close() {
        arena.close();
    }
}

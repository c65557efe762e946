package dev.seccheck.linux;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * SeccompListener is this process's end of a seccomp user-notification filter: the thread that
 * serves it receives held syscalls and answers each with "continue" or an errno. One instance per
 * serving thread (it reuses its buffers); closing it fails any syscall still held.
 */
public final class SeccompListener implements AutoCloseable {

    private final FileDescriptor fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment notif = arena.allocate(
            Math.max(Seccomp.NOTIF_SIZE, Layouts.SECCOMP_NOTIF.byteSize()), Layouts.SECCOMP_NOTIF.byteAlignment());
    private final MemorySegment resp = arena.allocate(Layouts.SECCOMP_NOTIF_RESP);
    private final MemorySegment id = arena.allocate(ValueLayout.JAVA_LONG);

    /** Wraps a listener fd this process owns. */
    public SeccompListener(int fd) {
        this.fd = new FileDescriptor(fd, "seccomp listener");
    }

    /** Returns the listener's file descriptor (for poll). */
    public int fd() {
        return fd.number();
    }

    /** Returns a new replier for another thread: it answers this listener's notifications with its own buffers. */
    public SeccompReplies replies() {
        return new SeccompReplies(fd);
    }

    /**
     * Asks the kernel to wake the serving thread on the CPU of the notifying task and switch to it
     * directly (Linux 6.6+): much cheaper than a cross-CPU wake-up.
     *
     * <p>Unlike the other seccomp ioctls this one takes the flags themselves as its argument, not
     * a pointer to them: passed an address, the kernel sees unknown flag bits and refuses (EINVAL),
     * which it did here unnoticed until session 10 (every notification then woke the notifier
     * on another CPU: 36-45 us a held syscall against 8-12).
     *
     * @return 0, or -errno when the kernel refused (EINVAL before Linux 6.6)
     */
    public int setSyncWakeUp() {
        try {
            return (int) fd.orErrno("ioctl", "SECCOMP_IOCTL_NOTIF_SET_FLAGS", NativeCall.Restart.ON_EINTR, Errno.ENOENT,
                    (slot, n) -> Libc.syscall(slot, Sysno.IOCTL, n, Seccomp.IOCTL_NOTIF_SET_FLAGS,
                            Seccomp.USER_NOTIF_FD_SYNC_WAKE_UP));
        } catch (LinuxException e) {
            return -e.errno();
        }
    }

    /**
     * Receives the next held syscall, blocking until there is one.
     *
     * @throws LinuxException ENOENT when the notifying task died before it could be received
     */
    public SeccompNotification receive() throws LinuxException {
        notif.fill((byte) 0);
        ioctl(Seccomp.IOCTL_NOTIF_RECV, "SECCOMP_IOCTL_NOTIF_RECV", notif, 0);
        return new SeccompNotification(
                Layouts.NOTIF_ID.get(notif),
                Layouts.NOTIF_PID.get(notif),
                Layouts.NOTIF_NR.get(notif),
                Layouts.NOTIF_ARCH.get(notif),
                Layouts.NOTIF_IP.get(notif),
                arg(0), arg(1), arg(2), arg(3), arg(4), arg(5));
    }

    private long arg(long i) {
        return Layouts.NOTIF_ARG.getElement(notif, i);
    }

    /**
     * Returns whether a received notification is still pending: its task has not died (and its
     * pid been reused) since. Check it after reading the task's memory, before trusting it.
     */
    public boolean stillValid(long notificationId) {
        id.set(ValueLayout.JAVA_LONG, 0, notificationId);
        return succeeds(Seccomp.IOCTL_NOTIF_ID_VALID, "SECCOMP_IOCTL_NOTIF_ID_VALID", id);
    }

    /** Lets the held syscall run. Returns false if the task is gone. */
    public boolean allow(long notificationId) {
        return respond(notificationId, 0, Seccomp.USER_NOTIF_FLAG_CONTINUE);
    }

    /** Fails the held syscall with {@code errno} without running it. Returns false if the task is gone. */
    public boolean deny(long notificationId, int errno) {
        return respond(notificationId, -errno, 0);
    }

    private boolean respond(long notificationId, int error, int respFlags) {
        Layouts.RESP_ID.set(resp, notificationId);
        Layouts.RESP_VAL.set(resp, 0L);
        Layouts.RESP_ERROR.set(resp, error);
        Layouts.RESP_FLAGS.set(resp, respFlags);
        return succeeds(Seccomp.IOCTL_NOTIF_SEND, "SECCOMP_IOCTL_NOTIF_SEND", resp);
    }

    /**
     * Returns whether the ioctl succeeded. ENOENT (the task is gone) is the common failure and is
     * answered without an exception; any other (an old kernel, a closed listener) is false too.
     */
    private boolean succeeds(long request, String requestName, MemorySegment arg) {
        try {
            return ioctl(request, requestName, arg, Errno.ENOENT) == 0;
        } catch (LinuxException e) {
            return false;
        }
    }

    private long ioctl(long request, String requestName, MemorySegment arg, int answer) throws LinuxException {
        // The seccomp ioctls take their mutex interruptibly and do nothing before it: EINTR retries.
        return fd.orErrno("ioctl", requestName, NativeCall.Restart.ON_EINTR, answer,
                (slot, n) -> Libc.syscall(slot, Sysno.IOCTL, n, request, arg.address()));
    }

    @Override
    public void close() {
        fd.close();
        arena.close();
    }
}

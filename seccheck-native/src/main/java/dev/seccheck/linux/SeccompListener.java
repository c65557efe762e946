package dev.seccheck.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * SeccompListener is this process's end of a seccomp user-notification filter: the thread that
 * serves it receives held syscalls and answers each with "continue" or an errno. One instance per
 * serving thread (it reuses its buffers); closing it fails any syscall still held.
 */
public final class SeccompListener implements AutoCloseable {

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment notif = arena.allocate(Seccomp.NOTIF_SIZE, 8);
    private final MemorySegment resp = arena.allocate(24, 8);
    private final MemorySegment id = arena.allocate(8, 8);
    private final MemorySegment flags = arena.allocate(8, 8);

    /** Wraps a listener fd this process owns. */
    public SeccompListener(int fd) {
        this.fd = fd;
    }

    /** Returns the listener's file descriptor (for poll). */
    public int fd() {
        return fd;
    }

    /**
     * Asks the kernel to wake the serving thread on the CPU of the notifying task and switch to it
     * directly (Linux 6.6+): much cheaper than a cross-CPU wake-up.
     *
     * @return false when the kernel does not support it
     */
    public boolean setSyncWakeUp() {
        flags.set(ValueLayout.JAVA_LONG, 0, Seccomp.USER_NOTIF_FD_SYNC_WAKE_UP);
        return ioctl(Seccomp.IOCTL_NOTIF_SET_FLAGS, flags) == 0;
    }

    /**
     * Receives the next held syscall, blocking until there is one.
     *
     * @throws LinuxException ENOENT when the notifying task died before it could be received
     */
    public SeccompNotification receive() throws LinuxException {
        notif.fill((byte) 0);
        if (ioctl(Seccomp.IOCTL_NOTIF_RECV, notif) != 0) {
            throw new LinuxException("ioctl(SECCOMP_IOCTL_NOTIF_RECV, " + fd + ")", Libc.lastErrno());
        }
        return new SeccompNotification(
                notif.get(ValueLayout.JAVA_LONG, 0),
                notif.get(ValueLayout.JAVA_INT, 8),
                notif.get(ValueLayout.JAVA_INT, 16),
                notif.get(ValueLayout.JAVA_INT, 20),
                notif.get(ValueLayout.JAVA_LONG, 24),
                notif.get(ValueLayout.JAVA_LONG, 32),
                notif.get(ValueLayout.JAVA_LONG, 40),
                notif.get(ValueLayout.JAVA_LONG, 48),
                notif.get(ValueLayout.JAVA_LONG, 56),
                notif.get(ValueLayout.JAVA_LONG, 64),
                notif.get(ValueLayout.JAVA_LONG, 72));
    }

    /**
     * Returns whether a received notification is still pending: its task has not died (and its
     * pid been reused) since. Check it after reading the task's memory, before trusting it.
     */
    public boolean stillValid(long notificationId) {
        id.set(ValueLayout.JAVA_LONG, 0, notificationId);
        return ioctl(Seccomp.IOCTL_NOTIF_ID_VALID, id) == 0;
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
        resp.set(ValueLayout.JAVA_LONG, 0, notificationId);
        resp.set(ValueLayout.JAVA_LONG, 8, 0L);
        resp.set(ValueLayout.JAVA_INT, 16, error);
        resp.set(ValueLayout.JAVA_INT, 20, respFlags);
        return ioctl(Seccomp.IOCTL_NOTIF_SEND, resp) == 0;
    }

    private int ioctl(long request, MemorySegment arg) {
        try {
            return (int) Seccomp.IOCTL.invokeExact(Libc.errnoSlot(), fd, request, arg);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public void close() {
        try {
            Seccomp.close(fd);
        } catch (LinuxException e) {
            // Already closed: nothing held any more either way.
        }
        arena.close();
    }
}

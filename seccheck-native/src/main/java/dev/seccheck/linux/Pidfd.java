package dev.seccheck.linux;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;

/**
 * Pidfd is a pidfd seccheck holds to signal a process (or, with {@link #ofThread}, one thread)
 * of the program: the kernel binds a pidfd to the task it was opened for, so a signal sent through
 * it reaches that task or no one (ESRCH once it has exited), never a later task given the same
 * number. A signal by number does not: between seccheck's look at a task and its {@code kill}, the
 * task can exit and be reaped and its number be given to another process (with the pid space
 * full, the freed number is the very next one given), which the signal then reaches.
 *
 * <p>Opening a pidfd by number has the same race, moved to the open: a pidfd names the right task
 * only when something proves, after the open, that the number still named it. The callers do so
 * with what pins a task of the run: a seccomp notification found still pending after the open (its
 * thread waits in it, alive), a ptrace stop (a traced task's number is not freed before its tracer
 * waits for it), or facts read between the open and a look that finds the pidfd's task alive
 * ({@link #alive}: a live task keeps its number).
 *
 * <p>The descriptor is closed once ({@link FileDescriptor}), and a signal racing the close fails
 * with EBADF instead of landing on a number the kernel gave to another file.
 */
public final class Pidfd implements AutoCloseable {

    private final FileDescriptor fd;

    private Pidfd(int fd, String description) {
        this.fd = new FileDescriptor(fd, description);
    }

    /**
     * A pidfd of process {@code pid} (seccheck's numbers), or null when there is none by that
     * number (ESRCH) or it cannot be had (EMFILE, a thread that is no leader: EINVAL).
     */
    public static Pidfd ofProcess(int pid) {
        if (pid <= 0) {
            return null; // pidfd_open(0) or of a negative number is EINVAL; nothing to signal
        }
        int r = (int) Direct.call(Sysno.PIDFD_OPEN, pid, 0, 0, 0);
        return r < 0 ? null : new Pidfd(r, "pidfd of process " + pid);
    }

    /**
     * A pidfd of thread {@code tid} (PIDFD_THREAD, Linux 6.9), or null when there is none by that
     * number or it cannot be had; {@link #threadsUnsupported} tells when the kernel has no
     * thread pidfds.
     */
    public static Pidfd ofThread(int tid) {
        if (tid <= 0) {
            return null;
        }
        int r = ThreadIds.openThread(tid);
        if (r == -Errno.EINVAL) {
            threadsUnsupported = true;
        }
        return r < 0 ? null : new Pidfd(r, "pidfd of thread " + tid);
    }

    /** Set once pidfd_open refused PIDFD_THREAD (a kernel before 6.9); racy reads are harmless. */
    private static volatile boolean threadsUnsupported;

    /** Whether this kernel was seen to refuse thread pidfds (before Linux 6.9). */
    public static boolean threadsUnsupported() {
        return threadsUnsupported;
    }

    /**
     * Sends {@code sig} to the task through the pidfd (pidfd_send_signal, its si_pid seccheck's;
     * to the thread alone for a thread pidfd, with SI_TKILL as tgkill's): 0, or -errno (ESRCH:
     * it has exited; EBADF: closed meanwhile).
     */
    public long signal(int sig) {
        try {
            fd.acquire("pidfd_send_signal");
        } catch (LinuxException closed) {
            return -Errno.EBADF;
        }
        try {
            return Direct.call(Sysno.PIDFD_SEND_SIGNAL, fd.number(), sig, 0, 0);
        } finally {
            fd.release();
        }
    }

    /** Whether the task still exists (signal 0: not ESRCH; EPERM says it does). */
    public boolean alive() {
        long r = signal(0);
        return r != -Errno.ESRCH && r != -Errno.EBADF;
    }

    /** Closes the pidfd; later calls do nothing, and a signal after it fails with EBADF. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return fd.toString();
    }
}

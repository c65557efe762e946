package dev.seccheck.sentry.defense;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.FileOwners;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.SocketCalls;
import dev.seccheck.linux.ThreadIds;
import dev.seccheck.sentry.syscalls.MemoryFault;
import dev.seccheck.sentry.syscalls.TaskMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * AsyncTerminals keeps signal-driven I/O on seccheck's terminal from signalling seccheck. When
 * O_ASYNC is turned on for a terminal ({@code fcntl(F_SETFL)} with O_ASYNC, {@code
 * ioctl(FIOASYNC)}), the kernel itself makes the file's owner the terminal's foreground process
 * group, or the caller's process where the terminal has none, unless the file has an owner already
 * ({@code __tty_fasync}, drivers/tty/tty_io.c). Under seccheck that group is seccheck's: the
 * program stays in it. Its SIGIO, or whatever {@code F_SETSIG} names (SIGKILL, SIGSTOP), then
 * reached seccheck on the first key typed, or once the terminal drained the program's output,
 * with no owner ever named. The other files whose O_ASYNC picks an owner (tun, a lease, dnotify)
 * pick the caller's process; sockets and pipes pick none.
 *
 * <p>{@link Guard} holds both calls when they turn O_ASYNC on. This takes the open file the call
 * names (the calling thread's, by {@code pidfd_getfd}) and, when it is seccheck's controlling
 * terminal (the only one whose foreground group can be seccheck's: a terminal's foreground group
 * is of its session), O_ASYNC is off and it has no owner, makes the owner what the kernel would,
 * but never seccheck's group: the foreground group when that is another, else the caller's process
 * (the kernel's own choice for a terminal without one). The kernel then keeps that owner. The run's
 * log says when seccheck's group was passed over. A file seccheck cannot take (the program is not
 * dumpable and seccheck has no privilege) is refused with EPERM: seccheck cannot tell what it is.
 *
 * <p>Another thread of the program that puts another file under that number, or clears the
 * owner ({@code F_SETOWN 0}), between this look and the kernel's can still have the kernel pick
 * seccheck's group (README, "Security").
 */
public final class AsyncTerminals {
    /** fcntl's command that sets a file's status flags. */
    static final int F_SETFL = 4;
    /** The status flag that turns signal-driven I/O on. */
    static final int O_ASYNC = 020000;
    /** The ioctl that turns O_ASYNC on or off, from an int in memory. */
    static final int FIOASYNC = 0x5452;

    private final int processGroup;
    private final int session;

    /** For seccheck's process group {@code processGroup}, and its own session. */
    public AsyncTerminals(int processGroup) {
        this.processGroup = processGroup;
        this.session = FileOwners.ownSession();
    }

    /** Returns whether a held syscall is one the guard holds for this check. */
    public static boolean held(int nr, long arg1, long arg2) {
        return (nr == Sysno.FCNTL && (int) arg1 == F_SETFL && ((int) arg2 & O_ASYNC) != 0)
                || (nr == Sysno.IOCTL && (int) arg1 == FIOASYNC);
    }

    /**
     * What was done for a held call: its refusal's errno (0: none, it goes on), and what the run's
     * log says about it (why it is refused, or where its signals go instead of seccheck's group), or null.
     */
    public record Outcome(int errno, String line) {}

    /**
     * Prepares the held call of thread {@code tid} of process {@code tgid} on its fd {@code fd}
     * ({@code arg2}: F_SETFL's flags, FIOASYNC's pointer), as the class says.
     */
    public Outcome prepare(int tid, int tgid, int nr, long fd, long arg2, TaskMemory memory) {
        if (nr == Sysno.IOCTL) {
            try {
                if (ByteBuffer.wrap(memory.read(arg2, 4)).order(ByteOrder.LITTLE_ENDIAN).getInt(0) == 0) {
                    return new Outcome(0, null); // turns it off
                }
            } catch (MemoryFault e) {
                return new Outcome(0, null); // the kernel's EFAULT
            }
        }
        int file = ThreadIds.copyFd(tid, tgid, (int) fd);
        if (file == -Errno.EBADF || file == -Errno.ESRCH) {
            return new Outcome(0, null); // the kernel's EBADF; or the caller is gone
        }
        if (file < 0) {
            return new Outcome(Errno.EPERM, "seccheck cannot look at the file, and O_ASYNC on its terminal would"
                    + " signal seccheck");
        }
        try {
            if (FileOwners.terminalSession(file) != session) {
                return new Outcome(0, null); // not seccheck's terminal: its foreground is never seccheck's group
            }
            long flags = SocketCalls.statusFlags(file);
            if (flags < 0) {
                throw new LinuxException("fcntl(F_GETFL)", (int) -flags);
            }
            if ((flags & O_ASYNC) != 0 || FileOwners.owner(file) != 0) {
                return new Outcome(0, null); // the kernel picks no owner
            }
            long foreground = FileOwners.foregroundGroup(file);
            boolean ours = foreground <= 0 || foreground == processGroup;
            long r = FileOwners.setOwner(file, ours ? tgid : (int) -foreground);
            if (r < 0) {
                return new Outcome(Errno.EPERM, "its owner could not be set (" + Errno.name((int) -r)
                        + "), and O_ASYNC on the terminal would signal seccheck");
            }
            return new Outcome(0, ours && foreground > 0 ? "its signals go to process " + tgid
                    + ", not to the terminal's foreground process group, which is seccheck's" : null);
        } catch (LinuxException e) {
            return new Outcome(Errno.EPERM, "the file could not be read (" + e.getMessage()
                    + "), and O_ASYNC on the terminal would signal seccheck");
        } finally {
            PathCalls.close(file);
        }
    }
}

package dev.seccheck.linux;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.FileTypes;
import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * OfdLock is a write lock on a whole regular file, taken and released through an open file
 * description of its own ({@code fcntl} F_OFD_SETLK and F_UNLCK, Linux 3.15). Unlike a POSIX
 * record lock (F_SETLKW, what {@code FileChannel.lock} takes) it belongs to the description, not
 * to the process: two OfdLocks of one file in one process exclude each other as two processes'
 * do, and closing another descriptor of the file in this process does not drop it. Advisory: it
 * excludes only those who take it.
 *
 * <p>{@link #tryLock} does not wait: a lock another process takes on the file (any process that
 * may open it may take one, and keep it) must not hold whoever needs this one for good.
 *
 * <p>The struct flock arguments are made once, so that a lock and an unlock allocate nothing. One
 * thread at a time may lock and unlock an OfdLock (its holder); {@link #close} releases the lock
 * with the description.
 */
public final class OfdLock implements AutoCloseable {
    /** fcntl's commands on open file description locks, and struct flock's lock types and whence. */
    private static final int F_OFD_SETLK = 37;
    private static final short F_WRLCK = 1;
    private static final short F_UNLCK = 2;
    private static final short SEEK_SET = 0;

    /** {@code struct flock} on x86-64 (32 bytes): l_start 0 and l_len 0 cover the whole file, however long it grows. */
    private static final StructLayout FLOCK = MemoryLayout.structLayout(
            JAVA_SHORT.withName("l_type"),
            JAVA_SHORT.withName("l_whence"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("l_start"),
            JAVA_LONG.withName("l_len"),
            JAVA_INT.withName("l_pid"),
            MemoryLayout.paddingLayout(4));
    private static final StructField.OfShort L_TYPE = StructField.shorts(FLOCK, groupElement("l_type"));
    private static final StructField.OfShort L_WHENCE = StructField.shorts(FLOCK, groupElement("l_whence"));

    private final FileDescriptor fd;
    private final MemorySegment lock;
    private final MemorySegment unlock;

    private OfdLock(FileDescriptor fd) {
        this.fd = fd;
        Arena arena = Arena.ofAuto();
        this.lock = flock(arena, F_WRLCK);
        this.unlock = flock(arena, F_UNLCK);
    }

    private static MemorySegment flock(Arena arena, short type) {
        MemorySegment s = arena.allocate(FLOCK); // zeroed: l_start, l_len and l_pid 0, as F_OFD_* requires of l_pid
        L_TYPE.set(s, type);
        L_WHENCE.set(s, SEEK_SET);
        return s;
    }

    /**
     * Opens {@code path} for writing (a write lock needs a description that may write), without
     * creating, truncating or following it to a terminal, and without waiting for a FIFO's reader.
     *
     * @throws LinuxException when the open fails, or EINVAL when {@code path} is no regular file
     */
    public static OfdLock open(String path) throws LinuxException {
        int flags = Fcntl.O_WRONLY | Fcntl.O_CLOEXEC | Fcntl.O_NOCTTY | Fcntl.O_NONBLOCK;
        long r = FileNames.openat(path, flags, 0);
        if (r < 0) {
            throw new LinuxException("open(" + path + ", O_WRONLY|O_CLOEXEC|O_NOCTTY|O_NONBLOCK)", (int) -r);
        }
        FileDescriptor fd = new FileDescriptor((int) r, path);
        try (Arena call = Arena.ofConfined()) {
            MemorySegment stat = call.allocate(Layouts.STAT);
            fd.call("fstat", NativeCall.Restart.ON_EINTR, (slot, n) -> Libc.syscall(slot, Sysno.FSTAT, n, stat.address()));
            if ((Layouts.ST_MODE.get(stat) & FileTypes.S_IFMT) != FileTypes.S_IFREG) {
                throw new LinuxException("lock(" + path + "): no regular file", Errno.EINVAL);
            }
        } catch (LinuxException | RuntimeException e) {
            fd.close();
            throw e;
        }
        return new OfdLock(fd);
    }

    /** Returns the descriptor's number, e.g. to look at the file it holds through /proc/self/fd. */
    public int number() {
        return fd.number();
    }

    /**
     * Takes the lock if no other description holds a lock on the file; returns false, without
     * waiting, when one does.
     *
     * @throws LinuxException when the kernel refuses the lock otherwise (ENOLCK...) or the lock is closed (EBADF)
     */
    public boolean tryLock() throws LinuxException {
        try {
            return fd.orErrno("fcntl(F_OFD_SETLK, F_WRLCK)", null, NativeCall.Restart.ON_EINTR, Errno.EAGAIN,
                    (slot, n) -> Libc.syscall(slot, Sysno.FCNTL, n, F_OFD_SETLK, lock.address())) == 0;
        } catch (LinuxException e) {
            if (e.errno() == Errno.EACCES) {
                return false; // fcntl(2) allows either errno for a lock held elsewhere
            }
            throw e;
        }
    }

    /** Releases the lock (nothing happens when it is not held). */
    public void unlock() throws LinuxException {
        fd.call("fcntl(F_OFD_SETLK, F_UNLCK)", NativeCall.Restart.ON_EINTR,
                (slot, n) -> Libc.syscall(slot, Sysno.FCNTL, n, F_OFD_SETLK, unlock.address()));
    }

    /** Closes the description, which releases the lock if it is held. */
    @Override
    public void close() {
        fd.close();
    }
}

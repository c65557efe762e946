package dev.seccheck.linux;


import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.FileTypes;
import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * AppendOpen is a path opened to append to, creating it, without ever waiting in open(2):
 * O_NONBLOCK, so that a FIFO without a reader fails with ENXIO at once instead of waiting for one
 * (and a device's open does not wait for its carrier); O_NOCTTY, so that a terminal never becomes
 * this process's controlling terminal; O_CLOEXEC. What was opened is told by fstat of the
 * descriptor itself, not by the name, which may name another file by the time it is looked at.
 *
 * <p>The descriptor stays open until {@link #close}; its file can be opened again (without
 * O_NONBLOCK) through {@code /proc/self/fd/}{@link #number}, which reaches that very file.
 */
public final class AppendOpen implements AutoCloseable {

    /** Kind is what the path reached. */
    public enum Kind {
        /** A regular file. */
        REGULAR,
        /** A FIFO, or a pipe reached through a {@code /proc/PID/fd} link. */
        FIFO,
        /** A terminal (a character device isatty(3) takes). */
        TERMINAL,
        /** Any other character device ({@code /dev/null}). */
        CHARACTER_DEVICE,
        /** Anything else that opens for writing (a block device). */
        OTHER
    }

    private static final int FLAGS = Fcntl.O_WRONLY | Fcntl.O_APPEND | Fcntl.O_CREAT | Fcntl.O_NONBLOCK | Fcntl.O_NOCTTY
            | Fcntl.O_CLOEXEC;

    private final FileDescriptor fd;
    private final Kind kind;
    private final long dev;
    private final long ino;

    private AppendOpen(FileDescriptor fd, Kind kind, long dev, long ino) {
        this.fd = fd;
        this.kind = kind;
        this.dev = dev;
        this.ino = ino;
    }

    /**
     * Opens {@code path} to append, creating it with mode 0666 (less the umask).
     *
     * @throws LinuxException when the open fails: ENXIO for a FIFO without a reader or a socket,
     *     EISDIR for a directory, and the rest as open(2) says
     */
    public static AppendOpen open(String path) throws LinuxException {
        long r = FileNames.openat(path, FLAGS, 0666);
        if (r < 0) {
            throw new LinuxException("open(" + path + ", O_WRONLY|O_APPEND|O_CREAT|O_NONBLOCK|O_NOCTTY|O_CLOEXEC)", (int) -r);
        }
        FileDescriptor fd = new FileDescriptor((int) r, path);
        try (Arena call = Arena.ofConfined()) {
            MemorySegment stat = call.allocate(Layouts.STAT);
            fd.call("fstat", NativeCall.Restart.ON_EINTR, (slot, n) -> Libc.syscall(slot, Sysno.FSTAT, n, stat.address()));
            int type = Layouts.ST_MODE.get(stat) & FileTypes.S_IFMT;
            Kind kind = switch (type) {
                case FileTypes.S_IFREG -> Kind.REGULAR;
                case FileTypes.S_IFIFO -> Kind.FIFO;
                case FileTypes.S_IFCHR -> Signals.isatty(fd.number()) ? Kind.TERMINAL : Kind.CHARACTER_DEVICE;
                default -> Kind.OTHER;
            };
            return new AppendOpen(fd, kind, Layouts.ST_DEV.get(stat), Layouts.ST_INO.get(stat));
        } catch (LinuxException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /** Returns what the path reached. */
    public Kind kind() {
        return kind;
    }

    /** Returns the device of the file opened, as fstat's st_dev. */
    public long dev() {
        return dev;
    }

    /** Returns the inode of the file opened, as fstat's st_ino. */
    public long ino() {
        return ino;
    }

    /** Returns the descriptor's number, to open the file again through {@code /proc/self/fd}. */
    public int number() {
        return fd.number();
    }

    /** Closes the descriptor. */
    @Override
    public void close() {
        fd.close();
    }
}

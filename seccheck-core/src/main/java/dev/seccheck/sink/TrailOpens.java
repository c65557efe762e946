package dev.seccheck.sink;

import java.io.Closeable;
import java.io.IOException;

/**
 * TrailOpens opens a trail's path to append without ever waiting in open(2) (O_NONBLOCK,
 * O_NOCTTY, O_CLOEXEC, creating it), and says what the open reached, told by the descriptor, not
 * by the name: a FIFO made at a sink's path by the supervised program held a blocking open, and
 * the control thread that made it, for good. The core calls no native code: the implementation is
 * found with {@link java.util.ServiceLoader}, as {@link TrailLocks} is (the CLI's opens through
 * seccheck-native). Without one a path is opened by name ({@link LineFile}).
 */
public interface TrailOpens {

    /**
     * Opens {@code path} to append, creating it, without waiting.
     *
     * @throws NoReader when the path is a FIFO without a reader (or a socket), which a blocking
     *     open would have waited at (or failed)
     * @throws IOException when the open fails otherwise, with the system's reason
     */
    Target open(String path) throws IOException;

    /** Kind is what a path opened to append reached. */
    enum Kind {
        /** A regular file. */
        REGULAR,
        /** A FIFO, or a pipe reached through a {@code /proc/PID/fd} link. */
        FIFO,
        /** A terminal: whoever holds its other end (a pseudo-terminal's master) reads what is written. */
        TERMINAL,
        /** A character device that is no terminal ({@code /dev/null}). */
        CHARACTER_DEVICE,
        /** Anything else that opens for writing (a block device). */
        OTHER
    }

    /**
     * Target is a path opened to append: what it reached, and a name of that very file ({@code
     * /proc/self/fd/N}) to open it again by while the target is open. Closing it closes the
     * descriptor, after which that name no longer holds.
     */
    interface Target extends Closeable {
        /** Returns what the path reached. */
        Kind kind();

        /** Returns a name that reaches the file opened, and no other, while this target is open. */
        String file();

        @Override
        void close();
    }

    /** NoReader is an open that would have waited for a FIFO's reader (or of a socket, which never opens). */
    final class NoReader extends IOException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with the system's reason ("open(...): ENXIO (No such device or address)"). */
        public NoReader(String message) {
            super(message);
        }
    }
}

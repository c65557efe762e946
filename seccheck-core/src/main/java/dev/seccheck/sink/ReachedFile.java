package dev.seccheck.sink;

/**
 * ReachedFile is the file an emulated open actually reached, by device and inode, handed to the
 * sinks beside a point's message while its points fire. gVisor's messages have no such field and
 * the wire must not change, so it is an in-process side value: the policy sink uses it to hold a
 * path rule for the hard links and new names of the files the rule names.
 *
 * @param dev the file's device as {@code st_dev} gives it
 * @param ino the file's inode number
 * @param ctimeNs the file's status change time ({@code st_ctim}) in nanoseconds since the epoch:
 *     a link or rename sets it, so a file unchanged since a rule listed its names is not a new one
 * @param nlink the file's count of names ({@code st_nlink}); 1 where the sentry did not give it
 * @param pathless whether the object is on no filesystem a path reaches (a pipe, a socket, an
 *     anonymous inode, reached through a {@code /proc/PID/fd/N} link): the message's
 *     {@code pathname} is then the kernel's name of it ({@code pipe:[N]}), which is no path, and
 *     {@code resolved_path} is absent (a rule on it does not match; nothing is missing)
 */
public record ReachedFile(long dev, long ino, long ctimeNs, long nlink, boolean pathless) {

    /** A file with a path, of {@code nlink} names. */
    public ReachedFile(long dev, long ino, long ctimeNs, long nlink) {
        this(dev, ino, ctimeNs, nlink, false);
    }

    /** A file whose count of names was not given: taken as its only name. */
    public ReachedFile(long dev, long ino, long ctimeNs) {
        this(dev, ino, ctimeNs, 1);
    }

    /** An object on no filesystem a path reaches (a pipe, a socket, an anonymous inode): see {@link #pathless}. */
    public static ReachedFile pathlessObject(long dev, long ino, long ctimeNs) {
        return new ReachedFile(dev, ino, ctimeNs, 1, true);
    }

    /**
     * Bound by the sentry on the thread that fires an emulated open's points, for the duration of
     * that firing (delivery to a deciding sink happens on that thread); unbound everywhere else.
     */
    public static final ScopedValue<ReachedFile> CURRENT = ScopedValue.newInstance();

    /** Returns the file the points being fired on this thread are about, or null when none is known. */
    public static ReachedFile current() {
        return CURRENT.isBound() ? CURRENT.get() : null;
    }

    /** Whether the points being fired on this thread are about an object with no path ({@link #pathless}). */
    public static boolean currentIsPathless() {
        ReachedFile f = current();
        return f != null && f.pathless();
    }
}

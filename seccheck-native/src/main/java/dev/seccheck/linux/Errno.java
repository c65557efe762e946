package dev.seccheck.linux;

/**
 * Errno keeps the errno names callers of the bindings used before {@link dev.seccheck.abi.Errno}
 * became the one table; each is that table's constant. It stays, with no constant added, only
 * until the supervisor's sources import the new table.
 */
public final class Errno {
    private Errno() {}

    public static final int EPERM = dev.seccheck.abi.Errno.EPERM;
    public static final int ENOENT = dev.seccheck.abi.Errno.ENOENT;
    public static final int ESRCH = dev.seccheck.abi.Errno.ESRCH;
    public static final int EINTR = dev.seccheck.abi.Errno.EINTR;
    public static final int EBADF = dev.seccheck.abi.Errno.EBADF;
    public static final int ECHILD = dev.seccheck.abi.Errno.ECHILD;
    public static final int EAGAIN = dev.seccheck.abi.Errno.EAGAIN;
    public static final int ENOMEM = dev.seccheck.abi.Errno.ENOMEM;
    public static final int EACCES = dev.seccheck.abi.Errno.EACCES;
    public static final int EFAULT = dev.seccheck.abi.Errno.EFAULT;
    public static final int EINVAL = dev.seccheck.abi.Errno.EINVAL;
    public static final int EPIPE = dev.seccheck.abi.Errno.EPIPE;
    public static final int ENOSYS = dev.seccheck.abi.Errno.ENOSYS;
    public static final int ECONNREFUSED = dev.seccheck.abi.Errno.ECONNREFUSED;
    public static final int ECONNRESET = dev.seccheck.abi.Errno.ECONNRESET;
    public static final int ENOTCONN = dev.seccheck.abi.Errno.ENOTCONN;
    public static final int EINPROGRESS = dev.seccheck.abi.Errno.EINPROGRESS;
}

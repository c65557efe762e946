package dev.seccheck.linux;

/** Errno holds the errno values (x86-64 Linux) the bindings and their callers test for. */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EINVAL = 22;
    public static final int EPIPE = 32;
    public static final int ENOSYS = 38;
    public static final int ECONNREFUSED = 111;
    public static final int ECONNRESET = 104;
    public static final int ENOTCONN = 107;
    public static final int EINPROGRESS = 115;
}

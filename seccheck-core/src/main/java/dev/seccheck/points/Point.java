package dev.seccheck.points;

/**
 * Point identifies a checkpoint by gVisor's numeric id and name. Non-syscall points have
 * ids 0 to 5; syscall points have {@code 6 + sysno * 4 + type}.
 */
public record Point(int id, String name) {

    /** Number of non-syscall points; syscall point ids start here. */
    public static final int SYSCALL_BASE = 6;

    /** Largest syscall number with a point (x86-64). */
    public static final int MAX_SYSNO = 441;

    /** One more than the largest point id. */
    public static final int ID_LIMIT = syscallId(SyscallType.RAW_EXIT, MAX_SYSNO) + 1;

    public static final Point CLONE = new Point(0, "sentry/clone");
    public static final Point CONTAINER_START = new Point(1, "container/start");
    public static final Point EXECVE = new Point(2, "sentry/execve");
    public static final Point EXIT_NOTIFY_PARENT = new Point(3, "sentry/exit_notify_parent");
    public static final Point TASK_EXIT = new Point(4, "sentry/task_exit");
    public static final Point MMAP = new Point(5, "sentry/mmap");

    public Point {
        if (id < 0 || id >= 6 + (MAX_SYSNO + 1) * 4) {
            throw new IllegalArgumentException("point id " + id + " out of range");
        }
    }

    /** Returns the id of the syscall point of this type for this syscall number. */
    public static int syscallId(SyscallType type, int sysno) {
        return SYSCALL_BASE + sysno * 4 + type.ordinal();
    }

    /** Returns whether this is a syscall point. */
    public boolean isSyscall() {
        return id >= SYSCALL_BASE;
    }

    /** Returns the syscall number of a syscall point. */
    public int sysno() {
        requireSyscall();
        return (id - SYSCALL_BASE) >> 2;
    }

    /** Returns the type of a syscall point. */
    public SyscallType syscallType() {
        requireSyscall();
        return SyscallType.values()[(id - SYSCALL_BASE) & 3];
    }

    private void requireSyscall() {
        if (!isSyscall()) {
            throw new IllegalStateException(name + " is not a syscall point");
        }
    }
}

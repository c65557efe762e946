package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * FileOwners reads and sets who gets an open file's SIGIO (its owner: {@code fcntl F_GETOWN_EX},
 * {@code F_SETOWN}), and the session and foreground process group of the terminal a file is
 * ({@code TIOCGSID}, {@code TIOCGPGRP}), through seccheck's own descriptor of that open file (a
 * {@code pidfd_getfd} copy: the owner belongs to the open file, not to a descriptor). Each call
 * answers as the kernel does: the value, or {@code -errno}.
 */
public final class FileOwners {
    private FileOwners() {}

    /** fcntl's command that sets the owner: a pid, or a process group negated (0: none). */
    public static final int F_SETOWN = 8;
    /** fcntl's command that reads the owner as {@code struct f_owner_ex {int type; pid_t pid;}}. */
    public static final int F_GETOWN_EX = 16;
    /** f_owner_ex's type for a process group. */
    public static final int F_OWNER_PGRP = 2;
    /** The terminal ioctls that read its foreground process group and its session. */
    public static final int TIOCGPGRP = 0x540F;
    public static final int TIOCGSID = 0x5429;

    /** The owner of the open file {@code fd}: a pid (above 0), a process group negated, 0 for none. */
    public static int owner(int fd) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ex = arena.allocate(8, 4);
            long r = Direct.call(Sysno.FCNTL, fd, F_GETOWN_EX, ex.address(), 0);
            if (r < 0) {
                throw new LinuxException("fcntl(" + fd + ", F_GETOWN_EX)", (int) -r);
            }
            int pid = ex.get(ValueLayout.JAVA_INT, 4);
            return ex.get(ValueLayout.JAVA_INT, 0) == F_OWNER_PGRP ? -pid : pid;
        }
    }

    /** Makes {@code owner} (a pid, or a process group negated) the owner of the open file {@code fd}: 0, or -errno. */
    public static long setOwner(int fd, int owner) {
        return Direct.call(Sysno.FCNTL, fd, F_SETOWN, owner, 0);
    }

    /** The session of the terminal {@code fd} is, as seen from seccheck (ENOTTY unless it is seccheck's own), or -errno. */
    public static long terminalSession(int fd) {
        return readInt(fd, TIOCGSID);
    }

    /** The foreground process group of the terminal {@code fd} is (seccheck's own), or -errno. */
    public static long foregroundGroup(int fd) {
        return readInt(fd, TIOCGPGRP);
    }

    /** This process's session (getsid(0), which cannot fail). */
    public static int ownSession() {
        return (int) Direct.call(Sysno.GETSID, 0, 0, 0, 0);
    }

    private static long readInt(int fd, int request) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
            long r = Direct.call(Sysno.IOCTL, fd, request, v.address(), 0);
            return r < 0 ? r : v.get(ValueLayout.JAVA_INT, 0);
        }
    }
}

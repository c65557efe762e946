package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * FsCredentials changes the filesystem identity and umask of the calling thread alone, so that an
 * open seccheck makes for a program is checked against the program's fsuid, fsgid, groups and
 * umask. The raw system calls are used on purpose: glibc's setgroups changes every thread of the
 * process, and the umask lives in the fs_struct the JVM's threads share until a thread
 * {@link #unshareFs unshares} it. Each method returns the kernel's result or {@code -errno}.
 */
public final class FsCredentials {
    private FsCredentials() {}

    private static final int CLONE_FS = 0x00000200;

    /** Gives the calling thread its own cwd, root and umask (unshare(CLONE_FS)). */
    public static long unshareFs() {
        return Direct.call(Sysno.UNSHARE, CLONE_FS, 0, 0, 0);
    }

    /** Sets the calling thread's umask; returns the previous one. */
    public static int umask(int mask) {
        return (int) Direct.call(Sysno.UMASK, mask, 0, 0, 0);
    }

    /** Sets the calling thread's fsuid; returns the previous one (the kernel's setfsuid never fails loudly). */
    public static int setfsuid(int uid) {
        return (int) Direct.call(Sysno.SETFSUID, uid, 0, 0, 0);
    }

    /** Sets the calling thread's fsgid; returns the previous one. */
    public static int setfsgid(int gid) {
        return (int) Direct.call(Sysno.SETFSGID, gid, 0, 0, 0);
    }

    /**
     * Each thread's group list for setgroups, grown to the longest list it passed: an emulated open
     * as root sets the program's groups and restores seccheck's, and a confined arena per call
     * cost more than the call itself.
     */
    private static final ThreadLocal<MemorySegment> GROUPS =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(ValueLayout.JAVA_INT, 64));

    /** Sets the calling thread's supplementary groups (needs CAP_SETGID); returns 0 or -errno. */
    public static long setgroups(int[] groups) {
        MemorySegment list = GROUPS.get();
        if (list.byteSize() < (long) groups.length * Integer.BYTES) {
            list = Arena.ofAuto().allocate(ValueLayout.JAVA_INT, groups.length);
            GROUPS.set(list);
        }
        MemorySegment.copy(groups, 0, list, ValueLayout.JAVA_INT, 0, groups.length);
        return Direct.call(Sysno.SETGROUPS, groups.length, list.address(), 0, 0);
    }

    /** Returns the calling thread's supplementary groups. */
    public static int[] getgroups() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment list = arena.allocate(ValueLayout.JAVA_INT, 65536);
            long n = Direct.call(Sysno.GETGROUPS, 65536, list.address(), 0, 0);
            return n <= 0 ? new int[0] : list.asSlice(0, n * 4).toArray(ValueLayout.JAVA_INT);
        }
    }
}

package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ThreadCredentials reads and changes the credentials of the calling thread alone (user and group
 * ids, supplementary groups, capabilities, umask), so that a call seccheck makes for a program is
 * checked by the kernel against the program's credentials, not seccheck's. The raw system calls
 * are used on purpose: glibc's set*id and setgroups change every thread of the process, and the
 * umask lives in the fs_struct the JVM's threads share until a thread {@link #unshareFs unshares}
 * it. Each method returns the kernel's result or {@code -errno}.
 */
public final class ThreadCredentials {
    private ThreadCredentials() {}

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

    /** Sets the calling thread's real, effective and saved user ids (-1 keeps one); 0 or -errno. */
    public static long setresuid(int real, int effective, int saved) {
        return Direct.call(Sysno.SETRESUID, real, effective, saved, 0);
    }

    /** Sets the calling thread's real, effective and saved group ids (-1 keeps one); 0 or -errno. */
    public static long setresgid(int real, int effective, int saved) {
        return Direct.call(Sysno.SETRESGID, real, effective, saved, 0);
    }

    /** Returns the calling thread's user ids: real, effective, saved, filesystem. */
    public static int[] uids() {
        return ids(Sysno.GETRESUID, setfsuid(-1));
    }

    /** Returns the calling thread's group ids: real, effective, saved, filesystem. */
    public static int[] gids() {
        return ids(Sysno.GETRESGID, setfsgid(-1));
    }

    private static int[] ids(int getres, int fs) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment three = arena.allocate(ValueLayout.JAVA_INT, 3);
            long r = Direct.call(getres, three.address(), three.address() + 4, three.address() + 8, 0);
            if (r < 0) {
                throw new IllegalStateException("getres" + (getres == Sysno.GETRESUID ? "uid" : "gid") + " failed: errno " + -r);
            }
            return new int[] {three.getAtIndex(ValueLayout.JAVA_INT, 0), three.getAtIndex(ValueLayout.JAVA_INT, 1),
                three.getAtIndex(ValueLayout.JAVA_INT, 2), fs};
        }
    }

    /** _LINUX_CAPABILITY_VERSION_3: two 32-bit words per set. */
    private static final int CAPABILITY_VERSION_3 = 0x20080522;
    /** The header (version, pid) and the two data words (effective, permitted, inheritable each), per thread. */
    private static final ThreadLocal<MemorySegment> CAPS =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(8 + 2 * 12, 8));

    /**
     * Reads the capability sets of thread {@code tid} (0: the calling thread) into {@code out}:
     * effective, permitted, inheritable, 64 bits each; 0 or -errno (ESRCH: no such thread).
     * Anyone may read any thread's, as {@code /proc/TID/status} shows them.
     */
    public static long capget(int tid, long[] out) {
        MemorySegment c = CAPS.get();
        c.set(ValueLayout.JAVA_INT, 0, CAPABILITY_VERSION_3);
        c.set(ValueLayout.JAVA_INT, 4, tid);
        long r = Direct.call(Sysno.CAPGET, c.address(), c.address() + 8, 0, 0);
        if (r < 0) {
            return r;
        }
        for (int set = 0; set < 3; set++) {
            long low = Integer.toUnsignedLong(c.get(ValueLayout.JAVA_INT, 8 + set * 4));
            long high = Integer.toUnsignedLong(c.get(ValueLayout.JAVA_INT, 8 + 12 + set * 4));
            out[set] = high << 32 | low;
        }
        return 0;
    }

    /**
     * Sets the calling thread's capability sets; 0 or -errno. The kernel allows lowering any set
     * and raising the effective one within the permitted.
     */
    public static long capset(long effective, long permitted, long inheritable) {
        MemorySegment c = CAPS.get();
        c.set(ValueLayout.JAVA_INT, 0, CAPABILITY_VERSION_3);
        c.set(ValueLayout.JAVA_INT, 4, 0);
        long[] sets = {effective, permitted, inheritable};
        for (int set = 0; set < 3; set++) {
            c.set(ValueLayout.JAVA_INT, 8 + set * 4, (int) sets[set]);
            c.set(ValueLayout.JAVA_INT, 8 + 12 + set * 4, (int) (sets[set] >>> 32));
        }
        return Direct.call(Sysno.CAPSET, c.address(), c.address() + 8, 0, 0);
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

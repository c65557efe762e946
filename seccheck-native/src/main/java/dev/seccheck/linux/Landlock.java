package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Landlock confines the calling thread with a Landlock ruleset, as a program confines itself
 * (landlock_restrict_self): from then on the kernel checks that thread's opens, creations,
 * links, renames, truncates and TCP binds and connects against the ruleset, on top of any it had.
 * Only the calling thread is confined, and the threads it starts later. Each method returns the
 * kernel's result or {@code -errno}.
 */
public final class Landlock {
    private Landlock() {}

    /** What {@code /proc/PID/fd/N} says of a ruleset's file. */
    public static final String RULESET_LINK = "anon_inode:[landlock-ruleset]";
    /** The most rulesets one thread can be confined by (the kernel's LANDLOCK_MAX_NUM_LAYERS). */
    public static final int MAX_LAYERS = 16;
    /** landlock_create_ruleset's flag that asks for the ABI version instead. */
    private static final int CREATE_RULESET_VERSION = 1;
    private static final int PR_SET_NO_NEW_PRIVS = 38;

    /**
     * Sets no_new_privs on the calling thread alone (its execs gain no privilege), which an
     * unprivileged landlock_restrict_self asks of its caller.
     */
    public static long noNewPrivs() {
        return Direct.call(Sysno.PRCTL, PR_SET_NO_NEW_PRIVS, 1, 0, 0);
    }

    /** Confines the calling thread by ruleset {@code fd}; 0 or -errno. */
    public static long restrictSelf(int fd) {
        return Direct.call(Sysno.LANDLOCK_RESTRICT_SELF, fd, 0, 0, 0);
    }

    /** The Landlock ABI version this kernel has: 1 and up, or -errno (EOPNOTSUPP: disabled at boot; ENOSYS: absent). */
    public static long abi() {
        return Direct.call(Sysno.LANDLOCK_CREATE_RULESET, 0, 0, CREATE_RULESET_VERSION, 0);
    }

    /**
     * Makes a ruleset that handles the filesystem accesses {@code handledFs} (LANDLOCK_ACCESS_FS_*
     * bits) and grants none of them anywhere: our fd of it, or -errno.
     */
    public static int denyingRuleset(long handledFs) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ValueLayout.JAVA_LONG, 1);
            attr.set(ValueLayout.JAVA_LONG, 0, handledFs);
            return (int) Direct.call(Sysno.LANDLOCK_CREATE_RULESET, attr.address(), attr.byteSize(), 0, 0);
        }
    }
}

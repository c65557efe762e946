package dev.seccheck.linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Base64;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * CallerWorld is what the program {@code seccheck run} starts must inherit from whoever started
 * seccheck: the environment, the descriptors, the ignored and blocked signals, the soft descriptor
 * limit and the coredump_filter as they were before the launcher and the JVM changed them (the JVM
 * raises its soft RLIMIT_NOFILE to the hard one and sets coredump_filter bits of its own). The launcher ({@code scripts/caller.sh}) records
 * them in {@code SECCHECK_CALLER_*} variables before it exports JAVA_HOME and execs java, because
 * by the time main() runs the JVM has opened its own descriptors and installed its own handlers,
 * and nothing inside the JVM can tell those from the caller's. Without the launcher (tests that
 * start the JVM directly) the caller is this process as it is: its environment minus those
 * variables, stdio only, nothing ignored or blocked, its own limits and coredump_filter.
 *
 * @param descriptorLimit the caller's soft RLIMIT_NOFILE, or -1 when not recorded (then the program has this process's)
 * @param coredumpFilter the caller's /proc/self/coredump_filter, or -1 when not recorded (then this process's)
 */
public record CallerWorld(List<byte[]> environment, int[] fds, long ignoredSignals, long blockedSignals,
        long descriptorLimit, long coredumpFilter) {

    /** Environment variables the launcher sets to describe the caller; never passed on. */
    public static final String PREFIX = "SECCHECK_CALLER_";

    private static final MemorySegment ENVIRON = Libc.LOOKUP.find("environ").orElseThrow().reinterpret(8);
    /** Signals the JVM needs for itself (faults, its suspend signal) and glibc's own two: never set to ignored here. */
    private static final BitSet KEPT = BitSet.valueOf(new long[] {
        bit(4) | bit(7) | bit(8) | bit(9) | bit(11) | bit(12) | bit(19) | bit(32) | bit(33)});

    public CallerWorld {
        environment = List.copyOf(environment);
        fds = fds.clone();
    }

    /** Returns the caller as the launcher recorded it, or as this process is when it recorded nothing. */
    public static CallerWorld current() {
        return of(System.getenv(), currentEnviron());
    }

    static CallerWorld of(Map<String, String> env, List<byte[]> environ) {
        List<byte[]> environment;
        String recorded = env.get(PREFIX + "ENVIRON");
        if (recorded != null) {
            environment = Procfs.nulSeparatedBytes(Base64.getDecoder().decode(recorded));
        } else {
            environment = new ArrayList<>();
            byte[] prefix = PREFIX.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            for (byte[] e : environ) {
                if (!startsWith(e, prefix)) {
                    environment.add(e);
                }
            }
        }
        int[] fds = {0, 1, 2};
        String fdList = env.get(PREFIX + "FDS");
        if (fdList != null && !fdList.isBlank()) {
            fds = java.util.Arrays.stream(fdList.trim().split("\\s+")).mapToInt(Integer::parseInt).sorted().distinct()
                    .toArray();
        }
        return new CallerWorld(environment, fds, hex(env.get(PREFIX + "SIGIGN")), hex(env.get(PREFIX + "SIGBLK")),
                decimalOrNone(env.get(PREFIX + "NOFILE")), hexOrNone(env.get(PREFIX + "COREDUMP_FILTER")));
    }

    /** Returns whether the caller had signal {@code sig} ignored (then the program must too, and nothing forwards it). */
    public boolean ignores(int sig) {
        return sig >= 1 && sig <= 64 && (ignoredSignals & bit(sig)) != 0;
    }

    /**
     * Sets every signal the caller ignored, except those the JVM cannot do without, to ignored in
     * this process too, so that the spawn (which can only reset dispositions to default) leaves
     * them ignored in the program: the JVM would otherwise have put its own handlers there.
     */
    public void ignoreInThisProcess() {
        for (int sig = 1; sig <= 64; sig++) {
            if (ignores(sig) && !KEPT.get(sig - 1)) {
                Signals.setAction(sig, Signals.SIG_IGN);
            }
        }
    }

    static long bit(int sig) {
        return 1L << (sig - 1);
    }

    private static long hex(String s) {
        return s == null || s.isBlank() ? 0 : Long.parseUnsignedLong(s.trim(), 16);
    }

    /** A recorded number, or -1 for none (nothing recorded, or "unlimited", which is no change from this process's). */
    private static long decimalOrNone(String s) {
        return s == null || !s.trim().matches("[0-9]{1,18}") ? -1 : Long.parseLong(s.trim());
    }

    private static long hexOrNone(String s) {
        return s == null || !s.trim().matches("[0-9a-fA-F]{1,8}") ? -1 : Long.parseLong(s.trim(), 16);
    }

    private static boolean startsWith(byte[] e, byte[] prefix) {
        return e.length >= prefix.length && java.util.Arrays.equals(e, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** Reads this process's environ as bytes, in its order (System.getenv is neither). */
    private static List<byte[]> currentEnviron() {
        MemorySegment v = ENVIRON.get(ValueLayout.ADDRESS, 0).reinterpret(Long.MAX_VALUE);
        List<byte[]> out = new ArrayList<>();
        for (long i = 0;; i++) {
            MemorySegment s = v.getAtIndex(ValueLayout.ADDRESS, i);
            if (s.equals(MemorySegment.NULL)) {
                return out;
            }
            MemorySegment str = s.reinterpret(Long.MAX_VALUE);
            long n = 0;
            while (str.get(ValueLayout.JAVA_BYTE, n) != 0) {
                n++;
            }
            out.add(str.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        }
    }
}

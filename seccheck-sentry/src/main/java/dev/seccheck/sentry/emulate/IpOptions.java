package dev.seccheck.sentry.emulate;

import java.util.Arrays;
import java.util.function.BooleanSupplier;

/**
 * IpOptions is an IPv4 option list as the kernel reads it from a socket option (IP_OPTIONS) or a
 * message (IP_RETOPTS): the bytes given, padded with end options to a multiple of four. The
 * padding counts: a last option that says it is longer than the bytes given is read into it, so
 * six bytes of a seven-byte loose route are a route to {@code x.y.z.0}.
 *
 * <p>It tells whether the list names a source route ({@link #route}), and makes the list that
 * seccheck's trial asks the kernel about ({@link #forTrial}). The kernel refuses some options
 * unless the caller holds CAP_NET_RAW over the socket's network namespace: security options, a
 * timestamp with an unknown flag, any option type it does not know. The trial runs on a socket
 * in seccheck's namespace, where its thread may hold that capability when the program does not,
 * or the other way round (a program root in a user and network namespace of its own). The trial's
 * list is therefore made not to depend on it: what the program's capability would let through
 * becomes options the kernel lets anyone set, and a list whose walk reaches an option the program
 * may not set is refused without a trial.
 */
final class IpOptions {

    /** The option types (RFC 791, the kernel's): end, no-op, routes, record route, timestamp, router alert, CIPSO. */
    private static final int END = 0;
    private static final int NOOP = 1;
    private static final int LSRR = 0x83;
    private static final int SSRR = 0x89;
    /** Record route: the option a message's refused list is made of ({@link PassedFds}). */
    static final int RECORD_ROUTE = 7;
    private static final int TIMESTAMP = 0x44;
    private static final int ROUTER_ALERT = 0x94;
    private static final int CIPSO = 0x86;
    /** The timestamp flags the kernel knows: timestamps only, with addresses, at prespecified addresses. */
    private static final int TS_ONLY = 0;
    private static final int TS_AND_ADDRESS = 1;
    private static final int TS_PRESPECIFIED = 3;

    private final byte[] padded;

    private IpOptions(byte[] padded) {
        this.padded = padded;
    }

    /** The list of {@code length} bytes at {@code at} of {@code b}, as the kernel pads it. */
    static IpOptions of(byte[] b, int at, int length) {
        return new IpOptions(Arrays.copyOfRange(b, at, at + (length + 3 & ~3)));
    }

    /** Called for each option the walk reaches with its offset, type and length; false ends the walk. */
    private interface Visitor {
        boolean option(int at, int type, int length);
    }

    /**
     * Walks the list as the kernel does: an end option ends it, a no-op is one byte, any other
     * gives its length, and a length the kernel refuses ends the walk (the list is refused there).
     */
    private void walk(Visitor visitor) {
        int i = 0;
        while (i < padded.length) {
            int type = padded[i] & 0xff;
            if (type == END) {
                return;
            }
            if (type == NOOP) {
                i++;
                continue;
            }
            int length = i + 1 < padded.length ? padded[i + 1] & 0xff : 0;
            if (length < 2 || length > padded.length - i || !visitor.option(i, type, length)) {
                return;
            }
            i += length;
        }
    }

    /** Says which source route the list names, or null when its walk reaches none. */
    String route() {
        String[] found = new String[1];
        walk((at, type, length) -> {
            if (type == LSRR || type == SSRR) {
                found[0] = type == LSRR ? "an IPv4 loose source route (LSRR)" : "an IPv4 strict source route (SSRR)";
                return false;
            }
            return true;
        });
        return found[0];
    }

    /**
     * The list to try on seccheck's socket so that the kernel's answer there is its answer to the
     * program, whose capability {@code netRaw} tells (asked only when an option needs it). With
     * it, each option it lets through is made one the kernel passes alike without it: an option
     * of an unknown or security type becomes no-ops, a timestamp with an unknown flag a timestamp
     * of times only (which passes, and counts as the list's timestamp, the same way). Without it,
     * null: the kernel refuses the list (EINVAL) when its walk reaches such an option, and any
     * other error on the way is EINVAL too. A CIPSO option is left as it is when the program
     * holds the capability: the kernel then validates it against the labels configured, and the
     * trial's answer is the program's only when seccheck's thread holds it too (with no label
     * configured, a stock host's case, it is refused either way).
     */
    byte[] forTrial(BooleanSupplier netRaw) {
        byte[] trial = padded.clone();
        boolean[] refused = new boolean[1];
        walk((at, type, length) -> {
            boolean unknownFlag = type == TIMESTAMP && timestampWithUnknownFlag(at, length);
            boolean needsNetRaw = switch (type) {
                case LSRR, SSRR, RECORD_ROUTE, ROUTER_ALERT -> false;
                case TIMESTAMP -> unknownFlag;
                default -> true;
            };
            if (!needsNetRaw) {
                return true;
            }
            if (!netRaw.getAsBoolean()) {
                refused[0] = true;
                return false;
            }
            if (unknownFlag) {
                trial[at + 3] = (byte) (trial[at + 3] & 0xf0 | TS_ONLY);
            } else if (type != CIPSO) {
                Arrays.fill(trial, at, at + length, (byte) NOOP);
            }
            return true;
        });
        return refused[0] ? null : trial;
    }

    /**
     * Whether the timestamp option at {@code at} has a pointer within it (so the kernel reads its
     * flag) and a flag the kernel does not know, which only CAP_NET_RAW lets through. Every other
     * check the kernel makes of it (one timestamp per list, its pointer's room) fails with EINVAL
     * whatever the flag.
     */
    private boolean timestampWithUnknownFlag(int at, int length) {
        if (length < 4) {
            return false;
        }
        int flag = padded[at + 3] & 0xf;
        boolean known = flag == TS_ONLY || flag == TS_AND_ADDRESS || flag == TS_PRESPECIFIED;
        return (padded[at + 2] & 0xff) <= length && !known;
    }
}

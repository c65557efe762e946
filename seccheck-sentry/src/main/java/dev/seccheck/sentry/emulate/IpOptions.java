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
 * becomes no-ops, and a list whose walk reaches an option the program may not set is refused
 * without a trial.
 */
final class IpOptions {

    /** The option types (RFC 791 and the kernel's list): end, no-op, routes, record route, timestamp, router alert, CIPSO. */
    private static final int END = 0;
    private static final int NOOP = 1;
    private static final int LSRR = 0x83;
    private static final int SSRR = 0x89;
    private static final int RR = 7;
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
     * program, whose capability {@code netRaw} tells (asked only when an option needs it): with
     * it, each option it lets through becomes no-ops, which the kernel passes over the same way;
     * without it, null, as the kernel refuses the list (EINVAL) when its walk reaches such an
     * option. A CIPSO option is left as it is when the program holds the capability: the kernel
     * then validates it against the labels configured, and the trial's answer is the program's
     * only when seccheck's thread holds it too (none configured: refused either way).
     */
    byte[] forTrial(BooleanSupplier netRaw) {
        byte[] trial = padded.clone();
        boolean[] refused = new boolean[1];
        boolean[] timestamped = new boolean[1];
        walk((at, type, length) -> {
            boolean needsNetRaw = switch (type) {
                case LSRR, SSRR, RR, ROUTER_ALERT -> false;
                case TIMESTAMP -> {
                    boolean unknownFlag = timestampNeedsNetRaw(at, length, timestamped[0]);
                    timestamped[0] |= !unknownFlag;
                    yield unknownFlag;
                }
                default -> true;
            };
            if (!needsNetRaw) {
                return true;
            }
            if (!netRaw.getAsBoolean()) {
                refused[0] = true;
                return false;
            }
            if (type != CIPSO) {
                Arrays.fill(trial, at, at + length, (byte) NOOP);
            }
            return true;
        });
        return refused[0] ? null : trial;
    }

    /**
     * Whether the kernel reaches its capability check for the timestamp option at {@code at}: only
     * when no timestamp came before ({@code earlier}), its length and pointer pass, the pointer
     * leaves room for a stamp, and its flag is one the kernel does not know. Such an option sets
     * nothing when it passes, so no-ops stand for it.
     */
    private boolean timestampNeedsNetRaw(int at, int length, boolean earlier) {
        if (earlier || length < 4) {
            return false;
        }
        int pointer = padded[at + 2] & 0xff;
        if (pointer < 5 || pointer > length || pointer + 3 > length) {
            return false;
        }
        int flag = padded[at + 3] & 0xf;
        return flag != TS_ONLY && flag != TS_AND_ADDRESS && flag != TS_PRESPECIFIED;
    }
}

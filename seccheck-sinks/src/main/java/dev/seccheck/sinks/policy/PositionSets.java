package dev.seccheck.sinks.policy;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * PositionSets answers, for one {@link GlobAutomaton}, questions about every string that may
 * follow a path: whether some string matches after one path and not after another, or not after
 * any directory at all. The policy asks them when a directory or symbolic link gets a new name
 * (a rename is decided on what it does to every name below, which no one lists). The automaton's
 * positions reached after a string are a set of at most {@link #MOST_TOKENS} bits in a long; the
 * strings are searched a character at a time, breadth first, where only the glob's own literals and
 * class bounds tell characters apart ({@link GlobAutomaton#alphabet}: one character of each run of
 * code points), so the sets (and pairs of sets) reached are finite. A search that meets more than
 * {@link #MOST_SETS} of them answers yes, unsure, which refuses the change it was asked about.
 * Immutable.
 */
final class PositionSets {

    /** The most tokens a glob searched here has: its positions and the one past its end fit a long. */
    static final int MOST_TOKENS = 63;
    /** The most sets, or pairs of sets, a search looks at before it answers yes, unsure. */
    static final int MOST_SETS = 4096;
    /** No position: no string matches after it. */
    static final long DEAD = 0;

    private final GlobAutomaton glob;
    private final long stars;
    private final long accept;
    private final int[] alphabet;
    /** Per character of {@link #alphabet}: the positions whose token (not a star) takes it. */
    private final long[] taking;

    PositionSets(GlobAutomaton glob, int length) {
        this.glob = glob;
        this.accept = 1L << length;
        long s = 0;
        for (int p = 0; p < length; p++) {
            s |= glob.isStar(p) ? 1L << p : 0;
        }
        this.stars = s;
        this.alphabet = glob.alphabet();
        this.taking = new long[alphabet.length];
        for (int i = 0; i < alphabet.length; i++) {
            taking[i] = taking(alphabet[i]);
        }
    }

    /** The positions reached after all of {@code s} from the glob's start; {@link #DEAD} when none is. */
    long after(String s) {
        long at = close(1);
        for (int i = 0; i < s.length() && at != DEAD; ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            at = step(at, taking(c));
        }
        return at;
    }

    /**
     * Returns whether some string, read from positions {@code x}, reaches the end of the glob
     * where read from {@code y} it does not (yes, unsure, past {@link #MOST_SETS} pairs).
     */
    boolean matchesFromOnly(long x, long y) {
        if (x == DEAD) {
            return false;
        }
        ArrayDeque<long[]> next = new ArrayDeque<>();
        Set<Pair> seen = new HashSet<>();
        next.add(new long[] {x, y});
        seen.add(new Pair(x, y));
        while (!next.isEmpty()) {
            long[] pair = next.poll();
            if ((pair[0] & accept) != 0 && (pair[1] & accept) == 0) {
                return true;
            }
            for (long t : taking) {
                long a = step(pair[0], t);
                if (a == DEAD) {
                    continue;
                }
                long b = step(pair[1], t);
                if (seen.add(new Pair(a, b))) {
                    if (seen.size() > MOST_SETS) {
                        return true;
                    }
                    next.add(new long[] {a, b});
                }
            }
        }
        return false;
    }

    /**
     * Returns whether some string, read from positions {@code x}, reaches the end of the glob
     * where read after some absolute directory and "/" it does not: the positions after the root's
     * "/", and after each string from "/" and a "/", are each tried ({@link #matchesFromOnly}).
     * Yes, unsure, past {@link #MOST_SETS} sets or pairs.
     */
    boolean matchesFromOnlyOfAll(long x) {
        if (x == DEAD) {
            return false;
        }
        long slash = taking('/');
        long first = after("/");
        if (matchesFromOnly(x, first)) {
            return true;
        }
        Set<Long> seen = new HashSet<>();
        Set<Long> tried = new HashSet<>();
        ArrayDeque<Long> next = new ArrayDeque<>();
        seen.add(first);
        next.add(first);
        while (!next.isEmpty()) {
            long at = next.poll();
            long below = step(at, slash);
            if (tried.add(below) && matchesFromOnly(x, below)) {
                return true;
            }
            for (long t : taking) {
                long to = step(at, t);
                if (seen.add(to)) {
                    if (seen.size() > MOST_SETS) {
                        return true;
                    }
                    next.add(to); // DEAD too: a "/" after it leaves it dead, below which nothing matches
                }
            }
        }
        return false;
    }

    /** The positions whose token, not a star, takes code point {@code c}. */
    private long taking(int c) {
        long t = 0;
        for (int p = 0; p < Long.numberOfTrailingZeros(accept); p++) {
            if (!glob.isStar(p) && glob.takes(p, c)) {
                t |= 1L << p;
            }
        }
        return t;
    }

    /** The positions reached from {@code at} by a character its tokens {@code taking} take. */
    private long step(long at, long taking) {
        return close(((at & taking) << 1) | (at & stars));
    }

    /** Adds the positions past each star reached: a star may take nothing. */
    private long close(long at) {
        long closed = at;
        for (long more = (closed & stars) << 1; (more & ~closed) != 0; more = (closed & stars) << 1) {
            closed |= more;
        }
        return closed;
    }

    /** Two sets of positions, as a key of the pairs a search has reached. */
    private record Pair(long a, long b) {}
}

package dev.seccheck.sinks.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * GlobAutomaton matches a shell glob ({@code *} any run, {@code ?} one character, {@code [..]} a
 * class, {@code [!..]} or {@code [^..]} its complement, ranges such as {@code a-z}) in time
 * proportional to the string's length times the glob's, whatever the string. The strings come from
 * the supervised program (paths up to 4,096 bytes, arguments up to 128 KiB), and a backtracking
 * regex took time growing with the string's length to the power of the glob's stars: under a rule
 * <code>/tmp/**&#47;*.pem</code> a program's open of {@code /tmp/a/a/.../b} held that open, and
 * every other open of its run, for 10 s at 800 levels (cubic in the depth). Characters are code
 * points, as in a {@code java.util.regex} pattern.
 */
final class GlobAutomaton {
    private static final int STAR = -1;
    private static final int ANY = -2;
    private static final int CLASS = -3;

    /** Per position: a code point to match, or STAR, ANY, CLASS. */
    private final int[] tokens;
    /** Per CLASS position: its ranges, pairs of inclusive code points. */
    private final int[][] ranges;
    private final boolean[] negated;
    /** The literal characters every match starts with, and ends with (after the last star). */
    private final String head;
    private final String tail;
    /** Made on first use by the searches on sets of positions. */
    private PositionSets positionSets;

    private GlobAutomaton(int[] tokens, int[][] ranges, boolean[] negated) {
        this.tokens = tokens;
        this.ranges = ranges;
        this.negated = negated;
        int first = 0;
        while (first < tokens.length && tokens[first] >= 0) {
            first++;
        }
        int last = tokens.length;
        while (last > 0 && tokens[last - 1] >= 0) {
            last--;
        }
        this.head = literal(0, first);
        this.tail = last == 0 ? "" : literal(last, tokens.length);
    }

    private String literal(int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int p = from; p < to; p++) {
            b.appendCodePoint(tokens[p]);
        }
        return b.toString();
    }

    /**
     * Compiles {@code glob}. A {@code [} without a closing {@code ]} is itself; the first {@code ]}
     * after a {@code [} closes its class.
     *
     * @throws IllegalArgumentException for an empty class or a reversed range
     */
    static GlobAutomaton of(String glob) {
        List<Integer> tokens = new ArrayList<>();
        List<int[]> ranges = new ArrayList<>();
        List<Boolean> negated = new ArrayList<>();
        int[] cps = glob.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            int c = cps[i];
            int end = c == '[' ? indexOf(cps, ']', i + 1) : -1;
            if (c == '[' && end >= 0) {
                int from = i + 1;
                boolean not = from < end && (cps[from] == '!' || cps[from] == '^');
                if (not) {
                    from++;
                }
                if (from == end) {
                    throw new IllegalArgumentException("glob \"" + glob + "\": an empty character class");
                }
                ranges.add(ranges(glob, cps, from, end));
                negated.add(not);
                tokens.add(CLASS);
                i = end;
            } else {
                tokens.add(c == '*' ? STAR : c == '?' ? ANY : c);
                ranges.add(null);
                negated.add(false);
            }
        }
        boolean[] not = new boolean[negated.size()];
        for (int i = 0; i < not.length; i++) {
            not[i] = negated.get(i);
        }
        return new GlobAutomaton(tokens.stream().mapToInt(Integer::intValue).toArray(), ranges.toArray(int[][]::new),
                not);
    }

    private static int indexOf(int[] cps, int c, int from) {
        for (int i = from; i < cps.length; i++) {
            if (cps[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** The class between {@code from} and {@code end}: single characters and {@code a-z} ranges. */
    private static int[] ranges(String glob, int[] cps, int from, int end) {
        int[] out = new int[2 * (end - from)];
        int n = 0;
        for (int i = from; i < end; i++) {
            int lo = cps[i];
            int hi = lo;
            if (i + 2 < end && cps[i + 1] == '-') {
                hi = cps[i + 2];
                if (hi < lo) {
                    throw new IllegalArgumentException("glob \"" + glob + "\": the range "
                            + Character.toString(lo) + "-" + Character.toString(hi) + " is reversed");
                }
                i += 2;
            }
            out[n++] = lo;
            out[n++] = hi;
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * Returns whether all of {@code s} matches. Tokens are matched left to right; at a mismatch the
     * last star passed takes one character more and matching resumes after it. No earlier star
     * need take more: whatever it would take, the last one can. So each character of {@code s} is
     * where the last star restarts at most once, and the time is at most the lengths' product.
     */
    boolean matches(String s) {
        if (!s.startsWith(head) || !s.endsWith(tail)) {
            return false; // the common answer, told without stepping through s
        }
        int at = 0;
        int p = 0;
        int star = -1;
        int restart = 0;
        while (at < s.length()) {
            int c = s.codePointAt(at);
            if (p < tokens.length && tokens[p] != STAR && matchesOne(p, c)) {
                at += Character.charCount(c);
                p++;
            } else if (p < tokens.length && tokens[p] == STAR) {
                star = p++;
                restart = at;
            } else if (star >= 0) {
                p = star + 1;
                restart += Character.charCount(s.codePointAt(restart));
                at = restart;
            } else {
                return false;
            }
        }
        while (p < tokens.length && tokens[p] == STAR) {
            p++;
        }
        return p == tokens.length;
    }

    private boolean matchesOne(int p, int c) {
        int t = tokens[p];
        return t == ANY || (t == CLASS ? inClass(p, c) : t == c);
    }

    /** Returns whether {@code s} matches, or is the start of a string that would. */
    boolean matchesOrMayWithMore(String s) {
        return run(s) != null;
    }

    /**
     * Returns whether every string matches after {@code a} exactly when it matches after
     * {@code b}: the two leave the glob at the same positions (or both at none). May say no for
     * two that differ in positions and not in what follows them.
     */
    boolean sameAfter(String a, String b) {
        return Arrays.equals(run(a), run(b));
    }

    /**
     * Returns whether some string matches after {@code a} and not after {@code b}
     * ({@link PositionSets#matchesFromOnly}); yes, unsure, for a glob too long to search so.
     */
    boolean matchesAfterOnly(String a, String b) {
        PositionSets sets = positionSets();
        return sets == null || sets.matchesFromOnly(sets.after(a), sets.after(b));
    }

    /**
     * Returns whether some string matches after {@code a} and not after some absolute path
     * ending in "/" (any directory's names below it): a symbolic link at {@code a}, whatever it
     * leads to, may take a name it matches to one it does not. Under <code>*&#47;run/*.sock</code>,
     * "/w/run/" does (its "x.sock" below "/w/tmp/" does not match) and "/w/lib/" does not (what
     * matches below it, "run/x.sock", matches below every directory); under {@code *.sock} none
     * does ({@link PositionSets#matchesFromOnlyOfAll}). Yes, unsure, for a glob too long to search.
     */
    boolean matchesAfterOnlyOfAll(String a) {
        PositionSets sets = positionSets();
        return sets == null || sets.matchesFromOnlyOfAll(sets.after(a));
    }

    /** The searches on sets of positions, made once; null for a glob too long for them. */
    private PositionSets positionSets() {
        PositionSets sets = positionSets;
        if (sets == null && tokens.length < PositionSets.MOST_TOKENS) {
            sets = new PositionSets(this, tokens.length);
            positionSets = sets; // immutable, final fields: published safely, at worst made twice
        }
        return sets;
    }

    /** The number of tokens: positions 0 to it, the last one past the glob's end (a match). */
    int length() {
        return tokens.length;
    }

    /** Whether the token at position {@code p} is a star. */
    boolean isStar(int p) {
        return tokens[p] == STAR;
    }

    /** Whether the token at position {@code p}, not a star, takes code point {@code c}. */
    boolean takes(int p, int c) {
        return matchesOne(p, c);
    }

    /** One character of each run of code points the glob's tokens cannot tell apart. */
    int[] alphabet() {
        TreeSet<Integer> bounds = new TreeSet<>(List.of(0));
        for (int p = 0; p < tokens.length; p++) {
            if (tokens[p] >= 0) {
                bounds.add(tokens[p]);
                bounds.add(tokens[p] + 1);
            } else if (tokens[p] == CLASS) {
                for (int i = 0; i < ranges[p].length; i += 2) {
                    bounds.add(ranges[p][i]);
                    bounds.add(ranges[p][i + 1] + 1);
                }
            }
        }
        return bounds.stream().filter(Character::isValidCodePoint).mapToInt(Integer::intValue).toArray();
    }

    /** The positions reached from {@code at} by {@code c}; null when none is. */
    private boolean[] step(boolean[] at, int c) {
        boolean[] next = new boolean[tokens.length + 1];
        boolean any = false;
        for (int p = 0; p < tokens.length; p++) {
            if (!at[p]) {
                continue;
            }
            if (tokens[p] == STAR) {
                next[p] = true;
                any = true;
            } else if (matchesOne(p, c)) {
                next[p + 1] = true;
                any = true;
            }
        }
        if (!any) {
            return null;
        }
        close(next);
        return next;
    }

    /**
     * The positions in the glob reachable after all of {@code s}; null when none is, so that no
     * string starting with {@code s} matches (every token can match some character).
     */
    private boolean[] run(String s) {
        boolean[] at = new boolean[tokens.length + 1];
        at[0] = true;
        close(at);
        for (int i = 0; i < s.length() && at != null; ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            at = step(at, c);
        }
        return at;
    }

    /** Adds the positions past each star reached: a star may take nothing. */
    private void close(boolean[] at) {
        for (int p = 0; p < tokens.length; p++) {
            if (at[p] && tokens[p] == STAR) {
                at[p + 1] = true;
            }
        }
    }

    private boolean inClass(int p, int c) {
        int[] r = ranges[p];
        boolean in = false;
        for (int i = 0; i < r.length && !in; i += 2) {
            in = c >= r[i] && c <= r[i + 1];
        }
        return in != negated[p];
    }
}

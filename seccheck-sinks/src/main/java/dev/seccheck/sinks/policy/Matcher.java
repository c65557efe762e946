package dev.seccheck.sinks.policy;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Matcher tests one value taken from a point: a string (paths, names), a number (fds, ports,
 * uids, flags) or an IP address (raw bytes, 4 or 16).
 */
sealed interface Matcher {

    /** Returns whether the string matches; matchers of other kinds say no. */
    default boolean matchesString(String s) {
        return false;
    }

    /** Returns whether the number matches; matchers of other kinds say no. */
    default boolean matchesNumber(long n) {
        return false;
    }

    /** Returns whether the address matches; matchers of other kinds say no. */
    default boolean matchesIp(byte[] ip) {
        return false;
    }

    /**
     * Returns whether some path below the directory {@code dir} (a string starting with
     * {@code dir + "/"}) may match, so that a symbolic link at {@code dir} would lead names this
     * matcher protects elsewhere. May say yes when unsure, and no only when none matches, or (a
     * glob without an absolute start) when the names it matches stay matched wherever a link leads
     * them. Matchers of other kinds say no.
     */
    default boolean mayMatchBelow(String dir) {
        return false;
    }

    /**
     * Returns whether every path below the directory {@code dir} matches. May say no when unsure,
     * never yes when one does not.
     */
    default boolean matchesAllBelow(String dir) {
        return false;
    }

    /**
     * Returns whether a path below the directory {@code a} matches exactly when the same path
     * below the directory {@code b} does (the part below them decides alike, whatever it is): a
     * directory moved from {@code a} to {@code b} then takes no name below it into or out of this
     * matcher, names seccheck could not list included. May say no when unsure, never yes when a
     * name below them is decided otherwise. Matchers of other kinds match no path, and say yes.
     */
    default boolean decidesAlikeBelow(String a, String b) {
        return true;
    }

    /**
     * Returns whether a path below the directory {@code a} that matches may not match as the same
     * path below the directory {@code b}: a directory moved from {@code a} to {@code b} may take
     * names out of this matcher. May say yes when unsure, never no when one is taken out.
     */
    default boolean mayLoseBelow(String a, String b) {
        return !decidesAlikeBelow(a, b);
    }

    /**
     * Returns whether a path below the directory {@code dir} may match where the same path below
     * some other directory does not: a symbolic link made at {@code dir} to a directory not told
     * may lead a name this matcher holds for to one it does not. May say yes when unsure.
     */
    default boolean mayMatchBelowOnly(String dir) {
        return mayMatchBelow(dir);
    }

    /** The string equals the text. */
    record Exact(String text) implements Matcher {
        @Override
        public boolean matchesString(String s) {
            return text.equals(s);
        }

        @Override
        public boolean mayMatchBelow(String dir) {
            return text.startsWith(dir + "/");
        }

        /** Alike when no name below either matches. */
        @Override
        public boolean decidesAlikeBelow(String a, String b) {
            return !mayMatchBelow(a) && !mayMatchBelow(b);
        }
    }

    /** The string starts with the prefix. */
    record Prefix(String prefix) implements Matcher {
        @Override
        public boolean matchesString(String s) {
            return s.startsWith(prefix);
        }

        @Override
        public boolean mayMatchBelow(String dir) {
            return prefix.startsWith(dir + "/") || matchesAllBelow(dir);
        }

        @Override
        public boolean matchesAllBelow(String dir) {
            return (dir + "/").startsWith(prefix);
        }

        /** Alike when every name below both matches, none does, or both need the same rest of the prefix. */
        @Override
        public boolean decidesAlikeBelow(String a, String b) {
            return Objects.equals(restBelow(a), restBelow(b));
        }

        /** What a name below {@code dir} must start with to match: "" for any, null for none. */
        private String restBelow(String dir) {
            String below = dir + "/";
            if (below.startsWith(prefix)) {
                return "";
            }
            return prefix.startsWith(below) ? prefix.substring(below.length()) : null;
        }
    }

    /**
     * The string matches a shell glob: {@code *} any run, {@code ?} one character, {@code [..]} a
     * class ({@link GlobAutomaton}, in time linear in the string).
     */
    record Glob(String glob, GlobAutomaton automaton) implements Matcher {
        /** @throws IllegalArgumentException for an empty class or a reversed range */
        static Glob of(String glob) {
            return new Glob(glob, GlobAutomaton.of(glob));
        }

        @Override
        public boolean matchesString(String s) {
            return automaton.matches(s);
        }

        /**
         * For a glob anchored at the root ({@code /etc/cron.d/*}): whether {@code dir + "/"}
         * matches, or could with more characters. A glob without an absolute start ({@code *.key})
         * names files by how they are called wherever they are, and says no: a symlink does not
         * move names out of its reach, it matches them at the target too.
         */
        @Override
        public boolean mayMatchBelow(String dir) {
            if (!FilesNamed.literalStart(glob).startsWith("/")) {
                return false;
            }
            return automaton.matchesOrMayWithMore(dir + "/");
        }

        /** Alike when no string matches after one directory and its "/" and not after the other. */
        @Override
        public boolean decidesAlikeBelow(String a, String b) {
            return automaton.sameAfter(a + "/", b + "/")
                    || !automaton.matchesAfterOnly(a + "/", b + "/") && !automaton.matchesAfterOnly(b + "/", a + "/");
        }

        /** When some string matches after {@code a} and its "/" and not after {@code b} and its "/". */
        @Override
        public boolean mayLoseBelow(String a, String b) {
            return automaton.matchesAfterOnly(a + "/", b + "/");
        }

        /** When some path below it matches where the same path below some directory does not. */
        @Override
        public boolean mayMatchBelowOnly(String dir) {
            return automaton.matchesAfterOnlyOfAll(dir + "/");
        }

        /** Told only for a literal start and stars ({@code /work/**}): below it, anything matches. */
        @Override
        public boolean matchesAllBelow(String dir) {
            String start = FilesNamed.literalStart(glob);
            return glob.substring(start.length()).chars().allMatch(c -> c == '*') && start.length() < glob.length()
                    && (dir + "/").startsWith(start);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Glob g && g.glob.equals(glob);
        }

        @Override
        public int hashCode() {
            return glob.hashCode();
        }

        @Override
        public String toString() {
            return "Glob[" + glob + "]";
        }
    }

    /** The number lies in [min, max], both inclusive. */
    record Range(long min, long max) implements Matcher {
        @Override
        public boolean matchesNumber(long n) {
            return n >= min && n <= max;
        }
    }

    /** The address lies in the network {@code prefix/bits}; IPv4-mapped IPv6 addresses count as IPv4. */
    record Cidr(byte[] prefix, int bits) implements Matcher {
        @Override
        public boolean matchesIp(byte[] ip) {
            byte[] a = unmapped(ip);
            if (a.length != prefix.length) {
                return false;
            }
            int full = bits / 8;
            if (!Arrays.equals(a, 0, full, prefix, 0, full)) {
                return false;
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (a[full] & mask) == (prefix[full] & mask);
        }

        private static byte[] unmapped(byte[] ip) {
            if (ip.length == 16) {
                for (int i = 0; i < 10; i++) {
                    if (ip[i] != 0) {
                        return ip;
                    }
                }
                if (ip[10] == (byte) 0xff && ip[11] == (byte) 0xff) {
                    return Arrays.copyOfRange(ip, 12, 16);
                }
            }
            return ip;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Cidr c && c.bits == bits && Arrays.equals(c.prefix, prefix);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(prefix) * 31 + bits;
        }

        @Override
        public String toString() {
            return "Cidr[" + Arrays.toString(prefix) + "/" + bits + "]";
        }
    }

    /** Any of the matchers matches. */
    record AnyOf(List<Matcher> options) implements Matcher {
        @Override
        public boolean matchesString(String s) {
            return any(m -> m.matchesString(s));
        }

        @Override
        public boolean matchesNumber(long n) {
            return any(m -> m.matchesNumber(n));
        }

        @Override
        public boolean matchesIp(byte[] ip) {
            return any(m -> m.matchesIp(ip));
        }

        @Override
        public boolean mayMatchBelow(String dir) {
            return any(m -> m.mayMatchBelow(dir));
        }

        @Override
        public boolean matchesAllBelow(String dir) {
            return any(m -> m.matchesAllBelow(dir));
        }

        @Override
        public boolean decidesAlikeBelow(String a, String b) {
            return options.stream().allMatch(m -> m.decidesAlikeBelow(a, b));
        }

        @Override
        public boolean mayLoseBelow(String a, String b) {
            return any(m -> m.mayLoseBelow(a, b));
        }

        @Override
        public boolean mayMatchBelowOnly(String dir) {
            return any(m -> m.mayMatchBelowOnly(dir));
        }

        private boolean any(Predicate<Matcher> matches) {
            for (Matcher m : options) {
                if (matches.test(m)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** The inner matcher does not match. */
    record Not(Matcher inner) implements Matcher {
        @Override
        public boolean matchesString(String s) {
            return !inner.matchesString(s);
        }

        @Override
        public boolean matchesNumber(long n) {
            return !inner.matchesNumber(n);
        }

        @Override
        public boolean matchesIp(byte[] ip) {
            return !inner.matchesIp(ip);
        }

        @Override
        public boolean mayMatchBelow(String dir) {
            return !inner.matchesAllBelow(dir);
        }

        @Override
        public boolean decidesAlikeBelow(String a, String b) {
            return inner.decidesAlikeBelow(a, b);
        }

        /** Not told: the inner matcher's {@link #mayMatchBelow} may say no for names it does match. */
        @Override
        public boolean matchesAllBelow(String dir) {
            return false;
        }
    }
}

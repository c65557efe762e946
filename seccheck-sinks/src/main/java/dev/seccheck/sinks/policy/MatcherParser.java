package dev.seccheck.sinks.policy;

import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.seccheck.format.SockAddr;
import dev.seccheck.sink.ConfigValue;
import dev.seccheck.sink.SinkConfig;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * MatcherParser turns the JSON value of a {@code match} entry into a {@link Matcher} for a key of
 * a given kind: a string (exact, or a glob when it has {@code * ? [}), a number, an IP or CIDR,
 * {@code {"prefix": s}}, {@code {"glob": s}}, {@code {"exact": s}}, {@code {"min": a, "max": b}},
 * {@code {"not": m}}, or an array meaning any of. A number is a JSON whole number; an address
 * family's name ({@code "AF_INET"}) stands for one only on the keys that hold a family, and
 * {@code true}/{@code false} only on the keys that hold a flag: a port given as {@code "AF_INET"}
 * or {@code true} was read as 2 or 1, a rule on a port nobody meant.
 */
final class MatcherParser {
    private MatcherParser() {}

    /** The keys whose numbers are address families, which a rule may name ({@code "AF_UNIX"}). */
    private static final Set<String> FAMILY_KEYS = Set.of("family", "domain");

    /**
     * Parses the matcher of a rule's {@code key}.
     *
     * @throws IllegalArgumentException saying what is wrong with the value
     */
    static Matcher parse(ConfigValue v, Key key) {
        Key.Kind kind = key.kind();
        if (v instanceof ConfigValue.Items items) {
            if (items.values().isEmpty()) {
                throw new IllegalArgumentException("an empty list matches nothing");
            }
            List<Matcher> options = new ArrayList<>();
            for (ConfigValue e : items.values()) {
                options.add(parse(e, key));
            }
            return new Matcher.AnyOf(List.copyOf(options));
        }
        if (v instanceof ConfigValue.Table table) {
            return parseObject(table.config(), key);
        }
        return switch (kind) {
            case STRING -> {
                String s = requireText(v, "a string");
                yield s.contains("*") || s.contains("?") || s.contains("[") ? Matcher.Glob.of(s) : new Matcher.Exact(s);
            }
            case NUMBER -> {
                long n = number(v, key);
                yield new Matcher.Range(n, n);
            }
            case IP -> cidr(requireText(v, "an IP address or CIDR like \"127.0.0.0/8\""));
        };
    }

    private static Matcher parseObject(SinkConfig v, Key key) {
        Key.Kind kind = key.kind();
        List<String> keys = v.keys();
        if (keys.size() == 1 && keys.contains("not")) {
            return new Matcher.Not(parse(entry(v, "not"), key));
        }
        if (keys.contains("min") || keys.contains("max")) {
            if (kind != Key.Kind.NUMBER) {
                throw new IllegalArgumentException("min/max apply to numbers only");
            }
            for (String k : keys) {
                if (!k.equals("min") && !k.equals("max")) {
                    throw new IllegalArgumentException("unexpected \"" + k + "\" beside min/max");
                }
            }
            long min = keys.contains("min") ? number(entry(v, "min"), key) : Long.MIN_VALUE;
            long max = keys.contains("max") ? number(entry(v, "max"), key) : Long.MAX_VALUE;
            if (min > max) {
                throw new IllegalArgumentException("min " + min + " is above max " + max);
            }
            return new Matcher.Range(min, max);
        }
        if (keys.size() != 1) {
            throw new IllegalArgumentException("expected one of {\"prefix\"}, {\"glob\"}, {\"exact\"}, {\"min\",\"max\"}, "
                    + "{\"not\"}, got " + new ConfigValue.Table(v).json());
        }
        String op = keys.getFirst();
        if (kind != Key.Kind.STRING) {
            throw new IllegalArgumentException("\"" + op + "\" applies to strings only");
        }
        String s = requireText(entry(v, op), "a string");
        return switch (op) {
            case "prefix" -> new Matcher.Prefix(s);
            case "glob" -> Matcher.Glob.of(s);
            case "exact" -> new Matcher.Exact(s);
            default -> throw new IllegalArgumentException("unknown matcher \"" + op
                    + "\" (known: prefix, glob, exact, min, max, not)");
        };
    }

    /** Returns the value of a key that is present, null included: {@code {"not": null}} is a bad matcher, not none. */
    private static ConfigValue entry(SinkConfig v, String key) {
        return v.value(key).orElse(new ConfigValue.Null(v.pathOf(key)));
    }

    private static long number(ConfigValue v, Key key) {
        switch (v) {
            case ConfigValue.Text t when FAMILY_KEYS.contains(key.name()) -> {
                OptionalInt family = SockAddr.familyByName(t.value());
                if (family.isPresent()) {
                    return family.getAsInt();
                }
                throw new IllegalArgumentException("expected a number or an address family (AF_INET, AF_UNIX, ...), got \""
                        + t.value() + "\"");
            }
            case ConfigValue.Text t -> throw new IllegalArgumentException("expected a whole number, got \"" + t.value()
                    + "\" (only family and domain take a family's name)");
            case ConfigValue.Bool b when flag(key) -> {
                return b.value() ? 1 : 0;
            }
            case ConfigValue.Bool b -> throw new IllegalArgumentException("expected a whole number, got " + b.value()
                    + " (\"" + key.name() + "\" is not a true/false field)");
            case ConfigValue.Numeric n when n.integral() && n.wholeLong().isPresent() -> {
                return n.wholeLong().getAsLong();
            }
            default -> throw new IllegalArgumentException("expected a whole number, got " + v.json());
        }
    }

    /**
     * The keys whose values are always absolute paths: {@code resolved_path} by construction, and
     * the real paths seccheck reads from the kernel for the executed binary, a mapped file and the
     * working directory. Not {@code pathname} (the program's own, often relative), {@code fd_path}
     * ({@code pipe:[...]}), nor {@code unix_path} (an abstract name reads {@code @...}).
     */
    private static final Set<String> ABSOLUTE_KEYS = Set.of("resolved_path", "binary_path", "mapped_path", "cwd");

    /** Whether key {@code name}'s values are always absolute paths, so that an empty one names nothing. */
    static boolean alwaysAbsolute(String name) {
        return ABSOLUTE_KEYS.contains(name);
    }

    /**
     * Refuses a matcher on an always-absolute key that names a relative path, in a list or a
     * {@code not} alike: {@code "resolved_path": "work/x/secret"} can never match, so a deny rule
     * written so protects nothing (and its {@code not} matches everything). A glob that starts with
     * a wildcard ({@code *.key}) may match absolute paths and stays valid.
     *
     * @throws IllegalArgumentException naming the relative path
     */
    static void requireAbsolute(Matcher m, Key key) {
        if (!ABSOLUTE_KEYS.contains(key.name())) {
            return;
        }
        String relative = switch (m) {
            case Matcher.Exact e when !e.text().startsWith("/") -> e.text();
            case Matcher.Prefix p when !p.prefix().isEmpty() && !p.prefix().startsWith("/") -> p.prefix();
            case Matcher.Glob g when !g.glob().isEmpty() && "/*?[".indexOf(g.glob().charAt(0)) < 0 -> g.glob();
            case Matcher.AnyOf any -> {
                any.options().forEach(o -> requireAbsolute(o, key));
                yield null;
            }
            case Matcher.Not not -> {
                requireAbsolute(not.inner(), key);
                yield null;
            }
            default -> null;
        };
        if (relative != null) {
            throw new IllegalArgumentException("\"" + relative + "\" is a relative path, and " + key.name()
                    + " values are absolute: it could never match (start it with / or a wildcard)");
        }
    }

    /** Whether the key holds a boolean (a message's bool field, or {@code is_exec_session}). */
    private static boolean flag(Key key) {
        return switch (key) {
            case Key.Field f -> f.field().getJavaType() == FieldDescriptor.JavaType.BOOLEAN;
            case Key.Context c -> c.name().equals("is_exec_session");
            default -> false;
        };
    }

    private static String requireText(ConfigValue v, String what) {
        if (!(v instanceof ConfigValue.Text t)) {
            throw new IllegalArgumentException("expected " + what + ", got " + v.json());
        }
        return t.value();
    }

    private static Matcher cidr(String text) {
        String addr = text;
        int bits = -1;
        int slash = text.indexOf('/');
        if (slash >= 0) {
            addr = text.substring(0, slash);
            String length = text.substring(slash + 1);
            // Digits only: parseInt takes "-8" and "+8", and a negative length read as "no prefix"
            // made "127.0.0.0/-8" match one address where its author meant a network.
            if (!length.matches("[0-9]{1,3}")) {
                throw new IllegalArgumentException("bad prefix length in \"" + text
                        + "\" (decimal digits: 0 to 32 for IPv4, 0 to 128 for IPv6)");
            }
            bits = Integer.parseInt(length);
        }
        byte[] ip;
        try {
            ip = InetAddress.ofLiteral(addr).getAddress();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + addr + "\" is not an IP address");
        }
        int max = ip.length * 8;
        if (addr.contains(":") && ip.length == 4 && bits >= 0) {
            // An IPv4-mapped IPv6 literal (::ffff:a.b.c.d) comes back as IPv4; its prefix counts the 96 mapping bits.
            if (bits < 96) {
                throw new IllegalArgumentException("prefix length " + bits + " of \"" + text
                        + "\" would cover more than IPv4-mapped addresses");
            }
            bits -= 96;
        }
        if (bits < 0) {
            bits = max;
        }
        if (bits > max) {
            throw new IllegalArgumentException("prefix length " + bits + " is too long for \"" + addr + "\"");
        }
        return new Matcher.Cidr(ip, bits);
    }
}

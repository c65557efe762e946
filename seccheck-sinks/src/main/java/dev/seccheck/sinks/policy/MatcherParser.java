package dev.seccheck.sinks.policy;

import dev.seccheck.format.SockAddr;
import dev.seccheck.sink.ConfigValue;
import dev.seccheck.sink.SinkConfig;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * MatcherParser turns the JSON value of a {@code match} entry into a {@link Matcher} for a key of
 * a given kind: a string (exact, or a glob when it has {@code * ? [}), a number, an IP or CIDR,
 * {@code {"prefix": s}}, {@code {"glob": s}}, {@code {"exact": s}}, {@code {"min": a, "max": b}},
 * {@code {"not": m}}, or an array meaning any of.
 */
final class MatcherParser {
    private MatcherParser() {}

    /** @throws IllegalArgumentException saying what is wrong with the value */
    static Matcher parse(ConfigValue v, Key.Kind kind) {
        if (v instanceof ConfigValue.Items items) {
            if (items.values().isEmpty()) {
                throw new IllegalArgumentException("an empty list matches nothing");
            }
            List<Matcher> options = new ArrayList<>();
            for (ConfigValue e : items.values()) {
                options.add(parse(e, kind));
            }
            return new Matcher.AnyOf(List.copyOf(options));
        }
        if (v instanceof ConfigValue.Table table) {
            return parseObject(table.config(), kind);
        }
        return switch (kind) {
            case STRING -> {
                String s = requireText(v, "a string");
                yield s.contains("*") || s.contains("?") || s.contains("[") ? Matcher.Glob.of(s) : new Matcher.Exact(s);
            }
            case NUMBER -> {
                long n = number(v);
                yield new Matcher.Range(n, n);
            }
            case IP -> cidr(requireText(v, "an IP address or CIDR like \"127.0.0.0/8\""));
        };
    }

    private static Matcher parseObject(SinkConfig v, Key.Kind kind) {
        List<String> keys = v.keys();
        if (keys.size() == 1 && keys.contains("not")) {
            return new Matcher.Not(parse(entry(v, "not"), kind));
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
            long min = keys.contains("min") ? number(entry(v, "min")) : Long.MIN_VALUE;
            long max = keys.contains("max") ? number(entry(v, "max")) : Long.MAX_VALUE;
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

    private static long number(ConfigValue v) {
        switch (v) {
            case ConfigValue.Text t -> {
                OptionalInt family = SockAddr.familyByName(t.value());
                if (family.isPresent()) {
                    return family.getAsInt();
                }
                throw new IllegalArgumentException("expected a number, got \"" + t.value() + "\"");
            }
            case ConfigValue.Bool b -> {
                return b.value() ? 1 : 0;
            }
            case ConfigValue.Numeric n when n.integral() && n.wholeLong().isPresent() -> {
                return n.wholeLong().getAsLong();
            }
            default -> throw new IllegalArgumentException("expected a whole number, got " + v.json());
        }
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
            try {
                bits = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in \"" + text + "\"");
            }
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

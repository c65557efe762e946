package dev.seccheck.sinks.policy;

import dev.seccheck.format.SockAddr;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Iterator;
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
    static Matcher parse(JsonNode v, Key.Kind kind) {
        if (v.isArray()) {
            if (v.isEmpty()) {
                throw new IllegalArgumentException("an empty list matches nothing");
            }
            List<Matcher> options = new ArrayList<>();
            for (JsonNode e : v) {
                options.add(parse(e, kind));
            }
            return new Matcher.AnyOf(List.copyOf(options));
        }
        if (v.isObject()) {
            return parseObject(v, kind);
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

    private static Matcher parseObject(JsonNode v, Key.Kind kind) {
        if (v.size() == 1 && v.has("not")) {
            return new Matcher.Not(parse(v.get("not"), kind));
        }
        if (v.has("min") || v.has("max")) {
            if (kind != Key.Kind.NUMBER) {
                throw new IllegalArgumentException("min/max apply to numbers only");
            }
            for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!k.equals("min") && !k.equals("max")) {
                    throw new IllegalArgumentException("unexpected \"" + k + "\" beside min/max");
                }
            }
            long min = v.has("min") ? number(v.get("min")) : Long.MIN_VALUE;
            long max = v.has("max") ? number(v.get("max")) : Long.MAX_VALUE;
            if (min > max) {
                throw new IllegalArgumentException("min " + min + " is above max " + max);
            }
            return new Matcher.Range(min, max);
        }
        if (v.size() != 1) {
            throw new IllegalArgumentException("expected one of {\"prefix\"}, {\"glob\"}, {\"exact\"}, {\"min\",\"max\"}, "
                    + "{\"not\"}, got " + v);
        }
        String op = v.fieldNames().next();
        if (kind != Key.Kind.STRING) {
            throw new IllegalArgumentException("\"" + op + "\" applies to strings only");
        }
        String s = requireText(v.get(op), "a string");
        return switch (op) {
            case "prefix" -> new Matcher.Prefix(s);
            case "glob" -> Matcher.Glob.of(s);
            case "exact" -> new Matcher.Exact(s);
            default -> throw new IllegalArgumentException("unknown matcher \"" + op
                    + "\" (known: prefix, glob, exact, min, max, not)");
        };
    }

    private static long number(JsonNode v) {
        if (v.isTextual()) {
            OptionalInt family = SockAddr.familyByName(v.asText());
            if (family.isPresent()) {
                return family.getAsInt();
            }
            throw new IllegalArgumentException("expected a number, got \"" + v.asText() + "\"");
        }
        if (v.isBoolean()) {
            return v.booleanValue() ? 1 : 0;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException("expected a whole number, got " + v);
        }
        return v.longValue();
    }

    private static String requireText(JsonNode v, String what) {
        if (!v.isTextual()) {
            throw new IllegalArgumentException("expected " + what + ", got " + v);
        }
        return v.asText();
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

package dev.seccheck.sinks.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Descriptors.Descriptor;
import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.abi.Errno;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.MessageTypes;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointDesc;
import dev.seccheck.points.PointReq;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * PolicyCompiler turns the policy sink's {@code rules} into per-point rule lists, checking every
 * rule against the catalog and, when known, the session's points and fields. Errors name the
 * rule and key, e.g. {@code sinks[0].config.rules[2].match.port: ...}.
 */
final class PolicyCompiler {
    private PolicyCompiler() {}

    private static final Set<String> RULE_KEYS = Set.of("name", "point", "match", "action", "errno");
    private static final FieldSet ALL_FIELDS = new FieldSet(new FieldMask(-1L), ContextField.all());

    /**
     * Compiles the rules.
     *
     * @param sessionPoints the session's points, to check rules against; empty to skip those checks
     * @return for each point id, its rules in order
     */
    static Map<Integer, List<Rule>> compile(SinkConfig config, Optional<List<PointReq>> sessionPoints, Catalog catalog)
            throws SinkException {
        JsonNode rules = config.raw("rules").orElseThrow(() -> config.error("rules", "is required (a list of rules)"));
        if (!rules.isArray()) {
            throw config.error("rules", "must be a JSON array, got " + rules);
        }
        Map<Integer, FieldSet> enabled = new LinkedHashMap<>();
        sessionPoints.ifPresent(ps -> ps.forEach(p -> enabled.put(p.point().id(), p.fields())));
        Map<Integer, List<Rule>> byPoint = new LinkedHashMap<>();
        for (int i = 0; i < rules.size(); i++) {
            String path = config.pathOf("rules") + "[" + i + "]";
            JsonNode r = rules.get(i);
            if (!r.isObject()) {
                throw new SinkException(path + ": a rule must be a JSON object, got " + r);
            }
            for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!RULE_KEYS.contains(k)) {
                    throw new SinkException(path + "." + k + ": unknown key (known: action, errno, match, name, point)");
                }
            }
            String label = r.hasNonNull("name") ? text(r.get("name"), path + ".name") : null;
            Action action = action(r, path);
            List<Point> points = points(r.get("point"), path + ".point", catalog, sessionPoints.isPresent() ? enabled : null);
            JsonNode match = r.get("match");
            if (match != null && !match.isNull() && !match.isObject()) {
                throw new SinkException(path + ".match: must be a JSON object, got " + match);
            }
            for (Point p : points) {
                if (action instanceof Action.Deny && p.isSyscall() && p.syscallType().isExit()) {
                    throw new SinkException(path + ".action: \"deny\" cannot stop a syscall at its exit point "
                            + p.name() + "; use the enter point");
                }
                Descriptor msg = MessageTypes.descriptor(MessageTypes.forPoint(p, catalog)).orElseThrow();
                FieldSet fields = sessionPoints.isPresent() ? enabled.get(p.id()) : ALL_FIELDS;
                List<Rule.Condition> conditions = new ArrayList<>();
                if (match != null && match.isObject()) {
                    for (Iterator<Map.Entry<String, JsonNode>> it = match.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        String keyPath = path + ".match." + e.getKey();
                        Key key;
                        try {
                            key = Keys.resolve(e.getKey(), msg, fields, p.isSyscall());
                        } catch (IllegalArgumentException bad) {
                            throw new SinkException(keyPath + ": " + bad.getMessage() + " (point " + p.name() + ")");
                        }
                        try {
                            conditions.add(new Rule.Condition(key, MatcherParser.parse(e.getValue(), key.kind())));
                        } catch (IllegalArgumentException bad) {
                            throw new SinkException(keyPath + ": " + bad.getMessage());
                        }
                    }
                }
                byPoint.computeIfAbsent(p.id(), id -> new ArrayList<>()).add(new Rule(i, label, conditions, action));
            }
        }
        return byPoint;
    }

    private static Action action(JsonNode r, String path) throws SinkException {
        String a = r.hasNonNull("action") ? text(r.get("action"), path + ".action") : null;
        if (a == null) {
            throw new SinkException(path + ".action: is required (allow, deny, kill or log)");
        }
        if (!a.equals("deny") && r.hasNonNull("errno")) {
            throw new SinkException(path + ".errno: only a \"deny\" rule takes an errno");
        }
        return switch (a) {
            case "allow" -> new Action.Allow();
            case "kill" -> new Action.Kill();
            case "log" -> new Action.Log();
            case "deny" -> new Action.Deny(errno(r.get("errno"), path + ".errno"));
            default -> throw new SinkException(path + ".action: unknown action \"" + a + "\" (allow, deny, kill, log)");
        };
    }

    private static int errno(JsonNode v, String path) throws SinkException {
        if (v == null || v.isNull()) {
            return 1; // EPERM
        }
        if (v.isIntegralNumber() && v.canConvertToInt() && v.intValue() > 0 && v.intValue() < 4096) {
            return v.intValue();
        }
        if (v.isTextual()) {
            OptionalInt n = Errno.byName(v.asText());
            if (n.isPresent()) {
                return n.getAsInt();
            }
        }
        throw new SinkException(path + ": unknown errno " + v + " (a name like \"EACCES\" or a number 1-4095)");
    }

    private static List<Point> points(JsonNode v, String path, Catalog catalog, Map<Integer, FieldSet> enabled)
            throws SinkException {
        if (v == null || v.isNull()) {
            throw new SinkException(path + ": is required (a point name or glob, or a list of them)");
        }
        List<String> patterns = new ArrayList<>();
        if (v.isArray()) {
            for (JsonNode e : v) {
                patterns.add(text(e, path));
            }
        } else {
            patterns.add(text(v, path));
        }
        List<Point> out = new ArrayList<>();
        for (String pattern : patterns) {
            Matcher m = pattern.contains("*") || pattern.contains("?") ? Matcher.Glob.of(pattern) : new Matcher.Exact(pattern);
            List<Point> found = new ArrayList<>();
            for (PointDesc d : catalog.points()) {
                if (m.matchesString(d.name())) {
                    found.add(d.point());
                }
            }
            if (found.isEmpty()) {
                throw new SinkException(path + ": no point is named \"" + pattern + "\"");
            }
            if (enabled != null) {
                found.removeIf(p -> !enabled.containsKey(p.id()));
                if (found.isEmpty()) {
                    throw new SinkException(path + ": \"" + pattern + "\" names no point this session enables");
                }
            }
            for (Point p : found) {
                if (!out.contains(p)) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    private static String text(JsonNode v, String path) throws SinkException {
        if (!v.isTextual()) {
            throw new SinkException(path + ": must be a string, got " + v);
        }
        return v.asText();
    }
}

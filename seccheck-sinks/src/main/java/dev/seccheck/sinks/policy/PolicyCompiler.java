package dev.seccheck.sinks.policy;

import com.google.protobuf.Descriptors.Descriptor;
import dev.seccheck.abi.Errno;
import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.MessageTypes;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointDesc;
import dev.seccheck.points.PointReq;
import dev.seccheck.sink.ConfigValue;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkException;
import dev.seccheck.sink.ReachedFile;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * PolicyCompiler turns the policy sink's {@code rules} into per-point rule lists, checking every
 * rule against the catalog (a rule must make sense for every point it names) and against
 * the session's points and fields (keys resolve to what the session collects). Errors name the
 * rule and key, e.g. {@code sinks[0].config.rules[2].match.port: ...}.
 */
final class PolicyCompiler {
    private PolicyCompiler() {}

    private static final Set<String> RULE_KEYS = Set.of("name", "point", "effect", "match", "action", "errno");
    /**
     * The keys naming the file an open reaches, which also hold for that file's other names (the
     * sentry tells which file an open reached only for opens: {@link ReachedFile}).
     */
    private static final Set<String> PATH_KEYS = Set.of("pathname", "resolved_path");
    private static final FieldSet ALL_FIELDS = new FieldSet(new FieldMask(-1L), ContextField.all());

    /**
     * Compiles the rules.
     *
     * @param sessionPoints the points the session enables, with their fields
     * @return for each point id the session enables, its rules in order
     */
    static Map<Integer, List<Rule>> compile(SinkConfig config, List<PointReq> sessionPoints, Catalog catalog)
            throws SinkException {
        List<ConfigValue> rules = config.list("rules")
                .orElseThrow(() -> config.error("rules", "is required (a list of rules)"));
        Map<Integer, FieldSet> enabled = new LinkedHashMap<>();
        sessionPoints.forEach(p -> enabled.put(p.point().id(), p.fields()));
        Map<Integer, List<Rule>> byPoint = new LinkedHashMap<>();
        // The files a path matcher names, listed once per matcher however many points the rule names.
        Map<String, FilesNamed> named = new HashMap<>();
        for (int i = 0; i < rules.size(); i++) {
            if (!(rules.get(i) instanceof ConfigValue.Table table)) {
                throw rules.get(i).error("a rule must be a JSON object, got " + rules.get(i).json());
            }
            SinkConfig r = table.config();
            for (String k : r.keys()) {
                if (!RULE_KEYS.contains(k)) {
                    throw r.error(k, "unknown key (known: action, effect, errno, match, name, point)");
                }
            }
            String label = r.string("name").orElse(null);
            Action action = action(r);
            boolean byEffect = r.has("effect");
            if (byEffect == r.has("point")) {
                throw r.error(byEffect ? "effect" : "point", "a rule names either \"point\" or \"effect\", "
                        + "exactly one of them");
            }
            Map<String, List<Point>> byPattern = byEffect ? Effects.points(r, catalog, enabled.keySet())
                    : points(r, catalog);
            if (r.keys().contains("match") && !r.has("match")) {
                // Read as absent, null made the rule match every point: an allow rule written so
                // let everything through.
                throw r.error("match", "must be a JSON object, got null (leave the key out to match every point)");
            }
            SinkConfig match = r.object("match").orElse(SinkConfig.empty(r.pathOf("match")));
            for (Point p : distinct(byPattern.values())) {
                // Checked for every point the rule names, enabled or not, so that a rule is valid or not
                // whatever session it is in.
                conditions(r, action, match, p, ALL_FIELDS, catalog, null);
            }
            for (Map.Entry<String, List<Point>> e : byPattern.entrySet()) {
                if (e.getValue().stream().noneMatch(p -> enabled.containsKey(p.id()))) {
                    throw r.error("point", "\"" + e.getKey() + "\" names no point this session enables");
                }
            }
            for (Point p : distinct(byPattern.values())) {
                FieldSet fields = enabled.get(p.id());
                if (fields != null) {
                    Rule rule = new Rule(i, label, conditions(r, action, match, p, fields, catalog, named),
                            action, opening(p, catalog));
                    byPoint.computeIfAbsent(p.id(), id -> new ArrayList<>()).add(rule);
                }
            }
        }
        return byPoint;
    }

    /** Whether {@code p} is the enter point of an open (open, openat, creat: an Open message). */
    private static boolean opening(Point p, Catalog catalog) {
        return p.isSyscall() && !p.syscallType().isExit()
                && MessageTypes.descriptor(MessageTypes.forPoint(p, catalog)).orElseThrow().getName().equals("Open");
    }

    /** @param named the files path matchers name, memoized by matcher; null when only checking the rule */
    private static List<Rule.Condition> conditions(SinkConfig r, Action action, SinkConfig match, Point p,
            FieldSet fields, Catalog catalog, Map<String, FilesNamed> named) throws SinkException {
        if (action instanceof Action.Deny && p.isSyscall() && p.syscallType().isExit()) {
            throw r.error("action", "\"deny\" cannot stop a syscall at its exit point " + p.name()
                    + "; use the enter point");
        }
        Descriptor msg = MessageTypes.descriptor(MessageTypes.forPoint(p, catalog)).orElseThrow();
        List<Rule.Condition> conditions = new ArrayList<>();
        for (String name : match.keys()) {
            Key key;
            try {
                key = Keys.resolve(name, msg, fields, p.isSyscall());
                Effects.checkDirfdRelative(key, p, fields);
            } catch (IllegalArgumentException bad) {
                throw match.error(name, bad.getMessage() + " (point " + p.name() + ")");
            }
            ConfigValue value = match.value(name).orElse(new ConfigValue.Null(match.pathOf(name)));
            try {
                Matcher parsed = MatcherParser.parse(value, key);
                MatcherParser.requireAbsolute(parsed, key);
                // seccheck gives rules real paths: a rule written through a symlink holds for its target too.
                Matcher m = named != null && pathValued(key) ? RealStarts.of(parsed, action instanceof Action.Allow) : parsed;
                boolean path = PATH_KEYS.contains(key.name()) && msg.getName().equals("Open");
                // A file a deny or kill rule forbids executing is named by device and inode too: a hard
                // link runs the same program. Not for allow and log rules: an allow list on a prefix
                // (/usr/) would walk that tree at every load, and a hard link it misses is refused.
                boolean executed = key.name().equals("binary_path") && msg.getName().equals("ExecveInfo")
                        && (action instanceof Action.Deny || action instanceof Action.Kill);
                // So is a socket a deny or kill rule forbids connecting to: the program may rename it.
                boolean socket = key.name().equals("unix_path") && (action instanceof Action.Deny || action instanceof Action.Kill);
                FilesNamed files = named != null && (path || executed || socket)
                        ? named.computeIfAbsent(value.json(), j -> FilesNamed.of(m)) : FilesNamed.NONE;
                conditions.add(new Rule.Condition(key, m, files, path));
            } catch (IllegalArgumentException bad) {
                throw match.error(name, bad.getMessage());
            }
        }
        return conditions;
    }

    /** Whether the key's values are paths, which seccheck resolves: names containing "path", and cwd. */
    private static boolean pathValued(Key key) {
        return key.kind() == Key.Kind.STRING && (key.name().contains("path") || key.name().equals("cwd"));
    }

    private static Action action(SinkConfig r) throws SinkException {
        String a = r.string("action").orElseThrow(() -> r.error("action", "is required (allow, deny, kill or log)"));
        if (!a.equals("deny") && r.has("errno")) {
            throw r.error("errno", "only a \"deny\" rule takes an errno");
        }
        return switch (a) {
            case "allow" -> new Action.Allow();
            case "kill" -> new Action.Kill();
            case "log" -> new Action.Log();
            case "deny" -> new Action.Deny(errno(r.value("errno")));
            default -> throw r.error("action", "unknown action \"" + a + "\" (allow, deny, kill, log)");
        };
    }

    private static int errno(Optional<ConfigValue> value) throws SinkException {
        if (value.isEmpty()) {
            return Errno.EPERM;
        }
        ConfigValue v = value.get();
        if (v instanceof ConfigValue.Numeric n && n.integral()) {
            OptionalLong whole = n.wholeLong();
            if (whole.isPresent() && whole.getAsLong() > 0 && whole.getAsLong() < 4096) {
                return (int) whole.getAsLong();
            }
        }
        if (v instanceof ConfigValue.Text t) {
            OptionalInt n = Errno.byName(t.value());
            if (n.isPresent()) {
                return n.getAsInt();
            }
        }
        throw v.error("unknown errno " + v.json() + " (a name like \"EACCES\" or a number 1-4095)");
    }

    /** Returns, for each name or glob of the rule's {@code point}, the catalog's points it names. */
    private static Map<String, List<Point>> points(SinkConfig r, Catalog catalog) throws SinkException {
        ConfigValue v = r.value("point").orElseThrow(
                () -> r.error("point", "is required (a point name or glob, or a list of them)"));
        List<String> patterns = new ArrayList<>();
        if (v instanceof ConfigValue.Items items) {
            for (ConfigValue e : items.values()) {
                patterns.add(text(e, r.pathOf("point")));
            }
        } else {
            patterns.add(text(v, r.pathOf("point")));
        }
        Map<String, List<Point>> out = new LinkedHashMap<>();
        for (String pattern : patterns) {
            Matcher m = pattern.contains("*") || pattern.contains("?") ? Matcher.Glob.of(pattern) : new Matcher.Exact(pattern);
            List<Point> found = new ArrayList<>();
            for (PointDesc d : catalog.points()) {
                if (m.matchesString(d.name())) {
                    found.add(d.point());
                }
            }
            if (found.isEmpty()) {
                throw r.error("point", "no point is named \"" + pattern + "\"");
            }
            out.put(pattern, found);
        }
        return out;
    }

    private static List<Point> distinct(Iterable<List<Point>> lists) {
        List<Point> out = new ArrayList<>();
        for (List<Point> l : lists) {
            for (Point p : l) {
                if (!out.contains(p)) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    private static String text(ConfigValue v, String path) throws SinkException {
        if (!(v instanceof ConfigValue.Text t)) {
            throw new SinkException(path + ": must be a string, got " + v.json());
        }
        return t.value();
    }
}

package dev.seccheck.session;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.config.DuplicateKeys;
import dev.seccheck.fields.FieldDesc;
import dev.seccheck.format.Escape;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.PointDesc;
import dev.seccheck.points.PointReq;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkException;
import dev.seccheck.sink.SinkRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * SessionConfigParser reads gVisor's session JSON, plain or wrapped as
 * {@code {"trace_session": {...}}}, and checks every point, field and sink name against the
 * catalog and the sink registry. Nothing is created here; errors name the culprit's path.
 */
public final class SessionConfigParser {

    /** The largest session document, in characters (a file's limit is the same in bytes). */
    public static final int MAX_DOCUMENT = 4 << 20;
    /** The deepest nesting of objects and arrays; a real session nests about 6 levels. */
    public static final int MAX_DEPTH = 64;
    /** The longest string value or key, in characters. */
    public static final int MAX_STRING = 1 << 20;
    /** The longest number, in characters. */
    public static final int MAX_NUMBER = 64;

    /**
     * Json holds the mapper, in a class of its own so that Jackson starts only when a document is
     * parsed: a run with the built-in session (built in code) still makes a parser for its control
     * plane. Bounded before anything is built, so a hostile document fails fast with a message
     * naming the limit instead of exhausting memory or the stack; one document per text, and
     * each key once per object ({@link DuplicateKeys}).
     */
    private static final class Json {
        static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                        .streamReadConstraints(StreamReadConstraints.builder()
                                .maxDocumentLength(MAX_DOCUMENT)
                                .maxNestingDepth(MAX_DEPTH)
                                .maxStringLength(MAX_STRING)
                                .maxNameLength(MAX_STRING)
                                .maxNumberLength(MAX_NUMBER)
                                .build())
                        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                        .build())
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    private static final Set<String> SESSION_KEYS = Set.of("name", "points", "sinks", "ignore_missing", "options");
    private static final Set<String> POINT_KEYS = Set.of("name", "optional_fields", "context_fields");
    private static final Set<String> SINK_KEYS = Set.of("name", "config", "ignore_setup_error");
    private static final Set<String> OPTION_KEYS = Set.of("execve_hash_cache_capacity", "locked", "allow_ptrace");

    /** The session name gVisor uses, and ours when a file gives none. */
    public static final String DEFAULT_NAME = "Default";

    /** The longest session name, in characters: a run id's bound. */
    public static final int MAX_NAME = 64;

    /**
     * Says what is wrong with session name {@code name}, or returns null: it must not be blank, be
     * at most {@link #MAX_NAME} characters, and hold no control or format character. Names are
     * quoted in every message about a session and in {@code trace list}; whoever can create a
     * session could make its name a megabyte of text or a terminal escape that forged the lines
     * around it. Spaces and any other printable character stay allowed ("no secrets").
     */
    public static String nameProblem(String name) {
        if (name.isBlank()) {
            return "must not be empty";
        }
        if (name.codePointCount(0, name.length()) > MAX_NAME) {
            return "must be at most " + MAX_NAME + " characters, got " + Escape.quoted(name, MAX_NAME);
        }
        if (!Escape.line(name).equals(name)) {
            return "must not hold control or format characters, got " + Escape.quoted(name, MAX_NAME);
        }
        return null;
    }

    private final Catalog catalog;
    private final SinkRegistry sinks;
    private final Consumer<String> warnings;

    /** Creates a parser that skips what {@code ignore_missing} allows without a word. */
    public SessionConfigParser(Catalog catalog, SinkRegistry sinks) {
        this(catalog, sinks, w -> {});
    }

    /**
     * Creates a parser that tells {@code warnings}, once per session, which unknown points and
     * fields {@code ignore_missing} skipped: a typo must not silently disable a check.
     */
    public SessionConfigParser(Catalog catalog, SinkRegistry sinks, Consumer<String> warnings) {
        this.catalog = catalog;
        this.sinks = sinks;
        this.warnings = warnings;
    }

    /** Parses a session from JSON text. */
    public SessionConfig parse(String json) throws SessionException {
        JsonNode root;
        if (json.length() > MAX_DOCUMENT) {
            throw new SessionException(tooLarge(json.length()));
        }
        try {
            root = Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SessionException(describe(e));
        }
        if (root == null || root.isMissingNode()) {
            throw new SessionException("empty session configuration");
        }
        String prefix = "";
        if (root.isObject() && root.has("trace_session")) {
            // A key beside the wrapper would be dropped unread: a file whose plain session (with
            // its deny rules) sits next to an empty wrapper would run the empty one.
            for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!key.equals("trace_session")) {
                    throw new SessionException(key + ": not allowed beside trace_session (a session file wrapped "
                            + "as {\"trace_session\": {...}} holds nothing else)");
                }
            }
            root = root.get("trace_session");
            prefix = "trace_session.";
        }
        return parse(root, prefix);
    }

    private static String tooLarge(long length) {
        return String.format("larger than the %,d-character limit (%,d characters)", MAX_DOCUMENT, length);
    }

    /** Says which limit a document broke, or where its syntax is wrong; never a parser's internals. */
    private static String describe(JsonProcessingException e) {
        String original = e.getOriginalMessage() == null ? e.toString() : e.getOriginalMessage();
        if (e instanceof StreamConstraintsException) {
            if (original.contains("nesting depth")) {
                return "nesting deeper than " + MAX_DEPTH + " levels";
            }
            if (original.startsWith("String value length") || original.startsWith("Name length")) {
                return String.format("a string longer than %,d characters", MAX_STRING);
            }
            if (original.startsWith("Number value length")) {
                return "a number longer than " + MAX_NUMBER + " characters";
            }
            if (original.contains("ocument length")) {
                return String.format("larger than the %,d-character limit", MAX_DOCUMENT);
            }
            return original;
        }
        Optional<String> duplicate = DuplicateKeys.describe(e);
        if (duplicate.isPresent()) {
            return duplicate.get();
        }
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        if (original.startsWith("Trailing token")) {
            return "data after the end of the JSON document" + where + " (one session per file)";
        }
        return "not valid JSON: " + original + where;
    }

    private SessionConfig parse(JsonNode root, String prefix) throws SessionException {
        if (!root.isObject()) {
            // The wrapper's path is "trace_session", not the "trace_session." prefix of its keys.
            String where = prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1) + ": ";
            throw new SessionException(where + "a session must be a JSON object, got " + root);
        }
        checkKeys(root, SESSION_KEYS, prefix);
        String name = optionalText(root, "name", prefix).orElse(DEFAULT_NAME);
        String bad = nameProblem(name);
        if (bad != null) {
            throw new SessionException(prefix + "name: " + bad);
        }
        boolean ignoreMissing = optionalBool(root, "ignore_missing", prefix).orElse(false);
        List<String> skipped = ignoreMissing ? new ArrayList<>() : null;
        List<PointReq> points = parsePoints(objects(root, "points", prefix, "a point", POINT_KEYS), skipped);
        List<SinkSpec> sinkSpecs = parseSinks(objects(root, "sinks", prefix, "a sink", SINK_KEYS));
        SessionOptions options = parseOptions(root.get("options"), prefix + "options");
        if (skipped != null && !skipped.isEmpty()) {
            warnings.accept("session \"" + name + "\": ignore_missing skipped what this build does not know: "
                    + String.join(", ", skipped));
        }
        return new SessionConfig(name, points, sinkSpecs, options);
    }

    /** Element is one object of a list in the session file, with its path ({@code points[2]}). */
    private record Element(String path, JsonNode node) {}

    /**
     * Returns the objects of the list at {@code key}, each checked to be a JSON object (else an
     * error naming it {@code what}) holding only {@code keys}.
     */
    private static List<Element> objects(JsonNode root, String key, String prefix, String what, Set<String> keys)
            throws SessionException {
        if (root.path(key).isNull()) {
            // Absent means none; null is a mistake (a template's unfilled value) that would leave the
            // session without its points or its sinks, and so without its checks.
            throw new SessionException(prefix + key + ": must be a JSON array, got null (leave the key out for none)");
        }
        List<JsonNode> nodes = array(root, key, prefix);
        List<Element> elements = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            String p = prefix + key + "[" + i + "]";
            JsonNode node = nodes.get(i);
            if (!node.isObject()) {
                throw new SessionException(p + ": " + what + " must be a JSON object, got " + node);
            }
            checkKeys(node, keys, p + ".");
            elements.add(new Element(p, node));
        }
        return elements;
    }

    /** Parses the points; {@code skipped} is null unless ignore_missing is set, and then receives what was skipped. */
    private List<PointReq> parsePoints(List<Element> elements, List<String> skipped) throws SessionException {
        List<PointReq> reqs = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (Element e : elements) {
            String p = e.path();
            JsonNode node = e.node();
            String pointName = requiredText(node, "name", p + ".");
            Optional<PointDesc> desc = catalog.byName(pointName);
            if (desc.isEmpty()) {
                if (skipped != null) {
                    skipped.add("point " + pointName);
                    continue;
                }
                throw new SessionException(p + ".name: unknown point \"" + pointName + "\"");
            }
            String first = seen.putIfAbsent(pointName, p);
            if (first != null) {
                throw new SessionException(p + ".name: point \"" + pointName + "\" is already listed at " + first);
            }
            FieldMask local = fields(node, "optional_fields", p, desc.get(), skipped, true);
            FieldMask context = fields(node, "context_fields", p, desc.get(), skipped, false);
            reqs.add(new PointReq(desc.get().point(), new FieldSet(local, context)));
        }
        return reqs;
    }

    private FieldMask fields(JsonNode point, String key, String path, PointDesc desc, List<String> skipped,
            boolean optional) throws SessionException {
        List<JsonNode> names = array(point, key, path + ".");
        FieldMask mask = FieldMask.EMPTY;
        for (int j = 0; j < names.size(); j++) {
            String p = path + "." + key + "[" + j + "]";
            JsonNode n = names.get(j);
            if (!n.isTextual()) {
                throw new SessionException(p + ": a field name must be a string, got " + n);
            }
            Optional<FieldDesc> field = optional ? desc.optionalField(n.asText()) : desc.contextField(n.asText());
            if (field.isEmpty()) {
                if (skipped != null) {
                    skipped.add((optional ? "optional" : "context") + " field " + desc.name() + "." + n.asText());
                    continue;
                }
                throw new SessionException(p + ": unknown " + (optional ? "optional" : "context") + " field \""
                        + n.asText() + "\" for point \"" + desc.name() + "\"");
            }
            mask = mask.with(field.get().id());
        }
        return mask;
    }

    private List<SinkSpec> parseSinks(List<Element> elements) throws SessionException {
        List<SinkSpec> specs = new ArrayList<>();
        for (Element e : elements) {
            String p = e.path();
            JsonNode node = e.node();
            String sinkName = requiredText(node, "name", p + ".");
            SinkDescriptor<?> descriptor = sinks.byName(sinkName).orElseThrow(() -> new SessionException(
                    p + ".name: unknown sink \"" + sinkName + "\" (known: "
                            + String.join(", ", sinks.all().stream().map(SinkDescriptor::name).toList()) + ")"));
            Optional<JsonNode> config = optional(node, "config", p + ".", JsonNode::isObject, "must be a JSON object");
            SinkConfig sinkConfig = SinkConfig.empty(p + ".config");
            if (config.isPresent()) {
                try {
                    sinkConfig = JsonSinkConfig.of((ObjectNode) config.get(), p + ".config");
                } catch (SinkException ex) {
                    throw new SessionException(ex.getMessage(), ex);
                }
            }
            boolean ignoreSetupError = optionalBool(node, "ignore_setup_error", p + ".").orElse(false);
            specs.add(new SinkSpec(descriptor, sinkConfig, ignoreSetupError));
        }
        return specs;
    }

    private static SessionOptions parseOptions(JsonNode node, String path) throws SessionException {
        if (node == null || node.isNull()) {
            return SessionOptions.DEFAULT;
        }
        if (!node.isObject()) {
            throw new SessionException(path + ": must be a JSON object, got " + node);
        }
        checkKeys(node, OPTION_KEYS, path + ".");
        int capacity = optional(node, "execve_hash_cache_capacity", path + ".",
                c -> c.canConvertToExactIntegral() && c.canConvertToInt() && c.intValue() >= 0 && c.isNumber(),
                "must be a whole number >= 0")
                .map(JsonNode::intValue)
                .orElse(SessionOptions.DEFAULT.execveHashCacheCapacity());
        boolean locked = optionalBool(node, "locked", path + ".").orElse(false);
        boolean allowPtrace = optionalBool(node, "allow_ptrace", path + ".").orElse(false);
        return new SessionOptions(capacity, locked, allowPtrace);
    }

    private static void checkKeys(JsonNode node, Set<String> allowed, String prefix) throws SessionException {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                throw new SessionException(prefix + key + ": unknown key (known: "
                        + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
    }

    /**
     * Returns the value of a key, or empty when absent or null; a value {@code valid} refuses is
     * an error saying what the key {@code must} be.
     */
    private static Optional<JsonNode> optional(JsonNode node, String key, String prefix, Predicate<JsonNode> valid,
            String must) throws SessionException {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!valid.test(v)) {
            throw new SessionException(prefix + key + ": " + must + ", got " + v);
        }
        return Optional.of(v);
    }

    private static List<JsonNode> array(JsonNode node, String key, String prefix) throws SessionException {
        List<JsonNode> out = new ArrayList<>();
        optional(node, key, prefix, JsonNode::isArray, "must be a JSON array").ifPresent(v -> v.forEach(out::add));
        return out;
    }

    private static String requiredText(JsonNode node, String key, String prefix) throws SessionException {
        return optionalText(node, key, prefix)
                .orElseThrow(() -> new SessionException(prefix + key + ": is required"));
    }

    private static Optional<String> optionalText(JsonNode node, String key, String prefix) throws SessionException {
        return optional(node, key, prefix, JsonNode::isTextual, "must be a string").map(JsonNode::asText);
    }

    private static Optional<Boolean> optionalBool(JsonNode node, String key, String prefix) throws SessionException {
        return optional(node, key, prefix, JsonNode::isBoolean, "must be true or false").map(JsonNode::booleanValue);
    }
}

package dev.seccheck.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.config.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * SinkConfig is the {@code config} object of one sink in a session, with typed getters whose
 * errors name the key by its path in the session file (e.g. {@code sinks[0].config.retries}).
 */
public final class SinkConfig {

    private final ObjectNode node;
    private final String path;

    /** Wraps a config object found at {@code path} in the session file. */
    public SinkConfig(ObjectNode node, String path) {
        this.node = node;
        this.path = path;
    }

    /** Returns an empty configuration at this path. */
    public static SinkConfig empty(String path) {
        return new SinkConfig(JsonNodeFactory.instance.objectNode(), path);
    }

    /** Returns the path of this object in the session file, for error messages. */
    public String path() {
        return path;
    }

    /** Returns the path of one key, for error messages. */
    public String pathOf(String key) {
        return path + "." + key;
    }

    /** Returns the keys present, in file order. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    /** Returns whether the key is present (and not null). */
    public boolean has(String key) {
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    /** Returns the raw JSON value of a key, for sinks with structured configuration. */
    public Optional<JsonNode> raw(String key) {
        return Optional.ofNullable(node.get(key)).filter(v -> !v.isNull());
    }

    /** Returns a string value, or empty when absent. */
    public Optional<String> string(String key) throws SinkException {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw error(key, "must be a string, got " + v);
        }
        return Optional.of(v.asText());
    }

    /** Returns a string value that must be present and non-empty. */
    public String requireString(String key) throws SinkException {
        String s = string(key).orElseThrow(() -> error(key, "is required"));
        if (s.isEmpty()) {
            throw error(key, "must not be empty");
        }
        return s;
    }

    /** Returns a whole-number value, or empty when absent. */
    public OptionalLong integer(String key) throws SinkException {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return OptionalLong.empty();
        }
        if (!v.isNumber()) {
            throw error(key, "must be a number, got " + v);
        }
        if (!v.canConvertToExactIntegral() || !v.canConvertToLong()) {
            throw error(key, "must be a whole number, got " + v);
        }
        return OptionalLong.of(v.longValue());
    }

    /** Returns a boolean value, or empty when absent. */
    public Optional<Boolean> bool(String key) throws SinkException {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isBoolean()) {
            throw error(key, "must be true or false, got " + v);
        }
        return Optional.of(v.booleanValue());
    }

    /** Returns a Go duration string value ("25us", "10ms"), or the default when absent. */
    public Duration duration(String key, Duration defaultValue) throws SinkException {
        Optional<String> s = string(key);
        if (s.isEmpty()) {
            return defaultValue;
        }
        try {
            Duration d = GoDuration.parse(s.get());
            if (d.isNegative()) {
                throw error(key, "must not be negative, got \"" + s.get() + "\"");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw error(key, e.getMessage());
        }
    }

    /** Fails if the configuration has a key outside {@code allowed}: typos must not pass silently. */
    public void requireOnly(String... allowed) throws SinkException {
        List<String> ok = List.of(allowed);
        for (String key : keys()) {
            if (!ok.contains(key)) {
                throw error(key, ok.isEmpty()
                        ? "unknown key (this sink takes no configuration)"
                        : "unknown key (known: " + String.join(", ", ok) + ")");
            }
        }
    }

    /** Returns an exception naming the key's path and what is wrong with it. */
    public SinkException error(String key, String problem) {
        return new SinkException(pathOf(key) + ": " + problem);
    }
}

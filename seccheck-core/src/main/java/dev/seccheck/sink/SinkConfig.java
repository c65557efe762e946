package dev.seccheck.sink;

import dev.seccheck.config.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * SinkConfig is the {@code config} object of one sink in a session, or an object nested in it,
 * with typed getters whose errors name the key by its path in the session file (e.g.
 * {@code sinks[0].config.retries}). Nested values ({@link #object}, {@link #list}) carry their
 * own paths, so a sink with structured configuration names {@code sinks[0].config.rules[2].match}
 * without building paths itself. It holds no JSON library type: the session parser builds it.
 */
public final class SinkConfig {

    private final String path;
    private final Map<String, ConfigValue> entries;

    /**
     * Makes the object found at {@code path}, its entries in file order; each value's own path
     * should be {@code path.key}.
     */
    public SinkConfig(String path, Map<String, ConfigValue> entries) {
        this.path = path;
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    /** Returns an empty configuration at this path. */
    public static SinkConfig empty(String path) {
        return new SinkConfig(path, Map.of());
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
        return new ArrayList<>(entries.keySet());
    }

    /** Returns whether the key is present (and not null). */
    public boolean has(String key) {
        return value(key).isPresent();
    }

    /** Returns the value of a key, or empty when absent or null. */
    public Optional<ConfigValue> value(String key) {
        return Optional.ofNullable(entries.get(key)).filter(v -> !(v instanceof ConfigValue.Null));
    }

    /**
     * Returns the value of a key if it is of kind {@code kind}, or empty when absent; a value of
     * another kind is an error saying what the key {@code must} be.
     */
    private <T extends ConfigValue> Optional<T> valueOf(String key, Class<T> kind, String must) throws SinkException {
        Optional<ConfigValue> v = value(key);
        if (v.isPresent() && !kind.isInstance(v.get())) {
            throw error(key, must + ", got " + v.get().json());
        }
        return v.map(kind::cast);
    }

    /** Returns a nested object, or empty when absent. */
    public Optional<SinkConfig> object(String key) throws SinkException {
        return valueOf(key, ConfigValue.Table.class, "must be a JSON object").map(ConfigValue.Table::config);
    }

    /** Returns the elements of a list, each with its path ({@code key[i]}), or empty when absent. */
    public Optional<List<ConfigValue>> list(String key) throws SinkException {
        return valueOf(key, ConfigValue.Items.class, "must be a JSON array").map(ConfigValue.Items::values);
    }

    /** Returns a string value, or empty when absent. */
    public Optional<String> string(String key) throws SinkException {
        return valueOf(key, ConfigValue.Text.class, "must be a string").map(ConfigValue.Text::value);
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
        Optional<ConfigValue.Numeric> v = valueOf(key, ConfigValue.Numeric.class, "must be a number");
        if (v.isEmpty()) {
            return OptionalLong.empty();
        }
        ConfigValue.Numeric n = v.get();
        OptionalLong whole = n.wholeLong();
        if (whole.isEmpty()) {
            throw error(key, "must be a whole number, got " + n.json());
        }
        return whole;
    }

    /** Returns a boolean value, or empty when absent. */
    public Optional<Boolean> bool(String key) throws SinkException {
        return valueOf(key, ConfigValue.Bool.class, "must be true or false").map(ConfigValue.Bool::value);
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

    /** Returns this object written as compact JSON, for error messages. */
    String json() {
        return entries.entrySet().stream()
                .map(e -> ConfigValue.quote(e.getKey()) + ":" + e.getValue().json())
                .collect(Collectors.joining(",", "{", "}"));
    }
}

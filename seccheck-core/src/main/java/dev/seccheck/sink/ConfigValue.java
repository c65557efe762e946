package dev.seccheck.sink;

import java.math.BigDecimal;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * ConfigValue is one JSON value inside a sink's configuration, with the path it sits at in the
 * session file ({@code sinks[0].config.rules[2].match.port}) so that any error about it can name
 * it. It is what sinks with structured configuration (lists, nested objects, values of several
 * kinds) read instead of a JSON library's tree; values are immutable.
 */
public sealed interface ConfigValue {

    /** Returns where the value sits in the session file. */
    String path();

    /** Returns the value written as compact JSON, for messages such as {@code got [1,2]}. */
    String json();

    /** Returns an exception naming this value's path and what is wrong with it. */
    default SinkException error(String problem) {
        return new SinkException(path() + ": " + problem);
    }

    /** A JSON string. */
    record Text(String path, String value) implements ConfigValue {
        @Override
        public String json() {
            return quote(value);
        }
    }

    /**
     * A JSON number; {@code integral} says it was written without fraction or exponent (so
     * {@code 2} is integral and {@code 2.0} is not, though both are whole).
     */
    record Numeric(String path, BigDecimal value, boolean integral) implements ConfigValue {
        /** Returns the number if it is whole and fits a long, whether or not written as an integer. */
        public OptionalLong wholeLong() {
            try {
                return OptionalLong.of(value.longValueExact());
            } catch (ArithmeticException e) {
                return OptionalLong.empty();
            }
        }

        @Override
        public String json() {
            // Written as Jackson writes a number it read: integers exactly, others as a double.
            return integral ? value.toPlainString() : Double.toString(value.doubleValue());
        }
    }

    /** {@code true} or {@code false}. */
    record Bool(String path, boolean value) implements ConfigValue {
        @Override
        public String json() {
            return Boolean.toString(value);
        }
    }

    /** {@code null}: a key set to null counts as absent, an element of a list does not. */
    record Null(String path) implements ConfigValue {
        @Override
        public String json() {
            return "null";
        }
    }

    /** A JSON array; each element knows its own path ({@code ...rules[2]}). */
    record Items(String path, List<ConfigValue> values) implements ConfigValue {
        public Items {
            values = List.copyOf(values);
        }

        @Override
        public String json() {
            return values.stream().map(ConfigValue::json).collect(Collectors.joining(",", "[", "]"));
        }
    }

    /** A JSON object, read through the same typed getters as a sink's whole configuration. */
    record Table(SinkConfig config) implements ConfigValue {
        @Override
        public String path() {
            return config.path();
        }

        @Override
        public String json() {
            return config.json();
        }
    }

    /** Returns {@code s} as a JSON string literal, escaped the way Jackson escapes it. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\b' -> b.append("\\b");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\f' -> b.append("\\f");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04X", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}

package dev.seccheck.sinks.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.seccheck.format.Escape;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * AlertValues writes the values a program chose into an alert so that two different events never
 * give the same line. A string is escaped as the text sink escapes it ({@link Escape#plain}: a
 * backslash in it becomes two) and kept whole up to {@link #MAX_CHARS}, PATH_MAX, so two paths
 * that differ late are still told apart; past it, it ends with {@code \...(N more bytes)}, whose
 * single backslash no escaped content can hold. A list (argv, env) is a JSON array of such
 * strings, so {@code rm "a, b"} and {@code rm a b} no longer both read {@code [rm, a, b]}; past
 * {@link #MAX_ELEMENTS} its last element is {@code \...(N more elements)}.
 */
final class AlertValues {
    private AlertValues() {}

    /** How many characters of a string are written whole: PATH_MAX, the longest path the kernel takes. */
    static final int MAX_CHARS = 4096;
    /** How many elements of a list are written: an environment has a few dozen, rarely hundreds. */
    static final int MAX_ELEMENTS = 1024;

    /** Returns {@code s} escaped, whole up to {@link #MAX_CHARS} characters, else cut with the count of bytes left out. */
    static String string(String s) {
        if (s.length() <= MAX_CHARS || s.codePointCount(0, s.length()) <= MAX_CHARS) {
            return Escape.plain(s, 0);
        }
        int end = s.offsetByCodePoints(0, MAX_CHARS);
        int leftOut = s.substring(end).getBytes(StandardCharsets.UTF_8).length;
        return Escape.plain(s.substring(0, end), 0) + "\\...(" + leftOut + " more bytes)";
    }

    /** Returns the JSON value of a matched key: a string or list as above, anything else (numbers) as it is. */
    static JsonNode value(Object v) {
        return switch (v) {
            case List<?> l -> list(l);
            case String s -> TextNode.valueOf(string(s));
            case null -> JsonNodeFactory.instance.nullNode();
            default -> JsonNodeFactory.instance.pojoNode(v);
        };
    }

    private static ArrayNode list(List<?> l) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode(Math.min(l.size(), MAX_ELEMENTS + 1));
        int n = Math.min(l.size(), MAX_ELEMENTS);
        for (int i = 0; i < n; i++) {
            a.add(l.get(i) instanceof String s ? TextNode.valueOf(string(s)) : JsonNodeFactory.instance.pojoNode(l.get(i)));
        }
        if (l.size() > n) {
            a.add("\\...(" + (l.size() - n) + " more elements)");
        }
        return a;
    }
}

package dev.seccheck.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.StreamReadException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * DuplicateKeys names the key a JSON document gives twice in one object. Jackson keeps the last
 * value silently, so {@code "rules": [deny secret]} followed later by {@code "rules": [log]} (or a
 * rule's {@code "action": "deny"} followed by {@code "action": "log"}) would drop a check a reader
 * of the file sees; every parser of seccheck's configurations enables
 * {@code StreamReadFeature.STRICT_DUPLICATE_DETECTION} and turns its error into one naming the
 * key's path with {@link #describe}.
 */
public final class DuplicateKeys {
    private DuplicateKeys() {}

    /**
     * Returns, when {@code e} is Jackson's duplicate-key error, a message naming the key's path in
     * the document ({@code sinks[0].config.rules}) and why it is refused; otherwise empty.
     */
    public static Optional<String> describe(JsonProcessingException e) {
        String original = e.getOriginalMessage();
        if (!(e instanceof StreamReadException read) || original == null || !original.startsWith("Duplicate field")) {
            return Optional.empty();
        }
        String path = read.getProcessor() instanceof JsonParser p ? path(p.getParsingContext()) : "";
        if (path.isEmpty()) {
            path = original.substring("Duplicate field ".length()).replace("'", "");
        }
        return Optional.of(path + ": key given twice in one object (the second would silently replace the first)");
    }

    /**
     * Returns the dotted path of a parsing context whose current name is the duplicate key: the
     * parser sets the name before it checks it, so the context already holds the culprit.
     */
    static String path(JsonStreamContext context) {
        Deque<String> parts = new ArrayDeque<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                parts.addFirst("[" + Math.max(0, c.getCurrentIndex()) + "]");
            } else if (c.getCurrentName() != null) {
                parts.addFirst("." + c.getCurrentName());
            }
        }
        String joined = String.join("", parts);
        return joined.startsWith(".") ? joined.substring(1) : joined;
    }
}

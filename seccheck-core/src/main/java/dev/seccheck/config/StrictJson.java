package dev.seccheck.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * StrictJson reads bytes that must be exactly one JSON object, as the control protocol's messages,
 * a run record and a trace file's config must be. Jackson by default stops after the first value
 * and ignores what follows; here anything after the object (a second value, garbage) is refused,
 * and so is a key given twice in one object ({@link DuplicateKeys}), so two readers never disagree
 * on what a peer or a file said.
 */
public final class StrictJson {
    private StrictJson() {}

    private static final ObjectMapper JSON =
            JsonMapper.builder()
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build();

    /**
     * Reads {@code bytes} as one JSON object.
     *
     * @param notJson the message when the bytes are not one JSON value; Jackson's reason follows
     *     it after ": "
     * @param notObject the message when they are one JSON value but not an object (or nothing)
     * @throws IOException with one of those messages
     */
    public static ObjectNode readObject(byte[] bytes, String notJson, Supplier<String> notObject)
            throws IOException {
        JsonNode n;
        try {
            n = JSON.readTree(bytes);
        } catch (JacksonException e) {
            String why = e instanceof JsonProcessingException p
                    ? DuplicateKeys.describe(p).orElse(e.getOriginalMessage()) : e.getOriginalMessage();
            throw new IOException(notJson + ": " + why, e);
        }
        if (!(n instanceof ObjectNode o)) {
            throw new IOException(notObject.get());
        }
        return o;
    }
}

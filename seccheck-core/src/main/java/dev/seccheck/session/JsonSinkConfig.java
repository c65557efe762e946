package dev.seccheck.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.config.DuplicateKeys;
import dev.seccheck.sink.ConfigValue;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * JsonSinkConfig turns a JSON object into the {@link SinkConfig} a sink reads, giving every
 * nested value its path. It is the one place where the sink SPI meets Jackson: the session
 * parser uses it for each sink's {@code config}, and tests use {@link #parse} to write a
 * configuration as JSON text.
 */
public final class JsonSinkConfig {
    /** Refuses a key given twice in one object: Jackson would keep the last value silently. */
    private static final ObjectMapper JSON =
            JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private JsonSinkConfig() {}

    /**
     * Parses {@code json}, which must be a JSON object, as the configuration found at {@code path}.
     *
     * @throws SinkException if it is not valid JSON or not an object
     */
    public static SinkConfig parse(String json, String path) throws SinkException {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            Optional<String> duplicate = DuplicateKeys.describe(e);
            if (duplicate.isPresent()) {
                throw new SinkException(path + "." + duplicate.get());
            }
            throw new SinkException(path + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (!(node instanceof ObjectNode o)) {
            throw new SinkException(path + ": must be a JSON object, got " + node);
        }
        return of(o, path);
    }

    /** Converts an object found at {@code path} in the session file. */
    static SinkConfig of(ObjectNode node, String path) throws SinkException {
        Map<String, ConfigValue> entries = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            entries.put(e.getKey(), value(e.getValue(), path + "." + e.getKey()));
        }
        return new SinkConfig(path, entries);
    }

    private static ConfigValue value(JsonNode v, String path) throws SinkException {
        if (v.isObject()) {
            return new ConfigValue.Table(of((ObjectNode) v, path));
        }
        if (v.isArray()) {
            List<ConfigValue> items = new ArrayList<>(v.size());
            for (int i = 0; i < v.size(); i++) {
                items.add(value(v.get(i), path + "[" + i + "]"));
            }
            return new ConfigValue.Items(path, items);
        }
        if (v.isTextual()) {
            return new ConfigValue.Text(path, v.asText());
        }
        if (v.isBoolean()) {
            return new ConfigValue.Bool(path, v.booleanValue());
        }
        if (v.isNumber()) {
            if (v.isIntegralNumber()) {
                return new ConfigValue.Numeric(path, new BigDecimal(v.bigIntegerValue()), true);
            }
            if (v.isDouble() && !Double.isFinite(v.doubleValue())) {
                // A literal such as 1e400 overflows the double Jackson reads it into.
                throw new SinkException(path + ": number out of range");
            }
            return new ConfigValue.Numeric(path, v.decimalValue(), false);
        }
        if (v.isNull()) {
            return new ConfigValue.Null(path);
        }
        throw new SinkException(path + ": unsupported JSON value " + v);
    }
}

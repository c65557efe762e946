package dev.seccheck.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.session.JsonSinkConfig;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class SinkConfigTest {

    private static SinkConfig config(String json) throws Exception {
        return JsonSinkConfig.parse(json, "sinks[2].config");
    }

    @Test
    void readsTypedValues() throws Exception {
        SinkConfig c = config("""
                {"endpoint": "/tmp/s.sock", "retries": 3, "verbose": true, "backoff": "25us", "nothing": null}""");
        assertThat(c.path()).isEqualTo("sinks[2].config");
        assertThat(c.pathOf("retries")).isEqualTo("sinks[2].config.retries");
        assertThat(c.keys()).containsExactly("endpoint", "retries", "verbose", "backoff", "nothing");
        assertThat(c.has("endpoint")).isTrue();
        assertThat(c.has("nothing")).isFalse();
        assertThat(c.has("absent")).isFalse();
        assertThat(c.string("endpoint")).contains("/tmp/s.sock");
        assertThat(c.requireString("endpoint")).isEqualTo("/tmp/s.sock");
        assertThat(c.integer("retries")).isEqualTo(OptionalLong.of(3));
        assertThat(c.bool("verbose")).contains(true);
        assertThat(c.duration("backoff", Duration.ZERO)).isEqualTo(Duration.ofNanos(25_000));
        assertThat(c.value("retries")).contains(new ConfigValue.Numeric("sinks[2].config.retries", BigDecimal.valueOf(3), true));
        assertThat(c.value("nothing")).isEmpty();
    }

    /** A sink configuration written as JSON text keeps no second value of a key silently either. */
    @Test
    void refusesAKeyGivenTwice() {
        assertThatThrownBy(() -> config("{\"rules\": [{\"action\": \"deny\", \"action\": \"log\"}]}"))
                .isInstanceOf(SinkException.class)
                .hasMessage("sinks[2].config.rules[0].action: key given twice in one object (the second would "
                        + "silently replace the first)");
    }

    @Test
    void absentAndNullValuesAreEmptyOrDefault() throws Exception {
        SinkConfig c = config("{\"nothing\": null}");
        for (String key : new String[] {"nothing", "absent"}) {
            assertThat(c.string(key)).isEqualTo(Optional.empty());
            assertThat(c.integer(key)).isEqualTo(OptionalLong.empty());
            assertThat(c.bool(key)).isEqualTo(Optional.empty());
            assertThat(c.duration(key, Duration.ofMillis(10))).isEqualTo(Duration.ofMillis(10));
        }
        assertThat(SinkConfig.empty("sinks[0].config").keys()).isEmpty();
    }

    @Test
    void wrongTypesNameTheKeyAndTheValue() throws Exception {
        SinkConfig c = config("""
                {"s": 5, "n": "5", "f": 1.5, "b": "yes", "d": 10, "e": ""}""");
        assertThatThrownBy(() -> c.string("s")).isInstanceOf(SinkException.class)
                .hasMessage("sinks[2].config.s: must be a string, got 5");
        assertThatThrownBy(() -> c.integer("n")).hasMessage("sinks[2].config.n: must be a number, got \"5\"");
        assertThatThrownBy(() -> c.integer("f")).hasMessage("sinks[2].config.f: must be a whole number, got 1.5");
        assertThatThrownBy(() -> c.bool("b")).hasMessage("sinks[2].config.b: must be true or false, got \"yes\"");
        assertThatThrownBy(() -> c.duration("d", Duration.ZERO)).hasMessage("sinks[2].config.d: must be a string, got 10");
        assertThatThrownBy(() -> c.requireString("e")).hasMessage("sinks[2].config.e: must not be empty");
        assertThatThrownBy(() -> c.requireString("endpoint")).hasMessage("sinks[2].config.endpoint: is required");
    }

    @Test
    void wholeNumbersTooLargeForALongAreRejected() throws Exception {
        SinkConfig c = config("{\"big\": 18446744073709551616, \"whole\": 2.0}");
        assertThatThrownBy(() -> c.integer("big"))
                .hasMessage("sinks[2].config.big: must be a whole number, got 18446744073709551616");
        assertThat(c.integer("whole")).isEqualTo(OptionalLong.of(2));
    }

    @Test
    void badDurationsNameTheKeyAndSayWhy() throws Exception {
        SinkConfig c = config("""
                {"a": "10", "b": "fast", "c": "-5ms", "d": "3 days"}""");
        assertThatThrownBy(() -> c.duration("a", Duration.ZERO))
                .hasMessage("sinks[2].config.a: missing unit in duration \"10\"");
        assertThatThrownBy(() -> c.duration("b", Duration.ZERO))
                .hasMessage("sinks[2].config.b: invalid duration \"fast\"");
        assertThatThrownBy(() -> c.duration("c", Duration.ZERO))
                .hasMessage("sinks[2].config.c: must not be negative, got \"-5ms\"");
        assertThatThrownBy(() -> c.duration("d", Duration.ZERO))
                .hasMessage("sinks[2].config.d: unknown unit \" days\" in duration \"3 days\"");
    }

    @Test
    void requireOnlyRejectsUnknownKeysAndListsTheKnownOnes() throws Exception {
        SinkConfig c = config("{\"endpoint\": \"x\", \"retires\": 3}");
        assertThatThrownBy(() -> c.requireOnly("endpoint", "retries"))
                .hasMessage("sinks[2].config.retires: unknown key (known: endpoint, retries)");
        config("{\"endpoint\": \"x\"}").requireOnly("endpoint", "retries");
        assertThatThrownBy(() -> config("{\"x\": 1}").requireOnly())
                .hasMessage("sinks[2].config.x: unknown key (this sink takes no configuration)");
    }

    @Test
    void errorBuildsAMessageWithThePath() {
        assertThat(SinkConfig.empty("p").error("k", "is odd")).hasMessage("p.k: is odd");
    }

    @Test
    void nestedObjectsAndListsCarryTheirPaths() throws Exception {
        SinkConfig c = config("""
                {"rules": [{"point": ["a", "b"], "match": {"port": 22, "ip": null}}, "x"], "alerts": "stderr"}""");
        List<ConfigValue> rules = c.list("rules").orElseThrow();
        assertThat(rules).extracting(ConfigValue::path).containsExactly("sinks[2].config.rules[0]", "sinks[2].config.rules[1]");
        SinkConfig rule = ((ConfigValue.Table) rules.get(0)).config();
        assertThat(rule.path()).isEqualTo("sinks[2].config.rules[0]");
        assertThat(rule.list("point").orElseThrow()).containsExactly(
                new ConfigValue.Text("sinks[2].config.rules[0].point[0]", "a"),
                new ConfigValue.Text("sinks[2].config.rules[0].point[1]", "b"));
        SinkConfig match = rule.object("match").orElseThrow();
        assertThat(match.integer("port")).isEqualTo(OptionalLong.of(22));
        assertThat(match.keys()).containsExactly("port", "ip");
        assertThat(match.has("ip")).isFalse();
        assertThat(match.error("port", "is odd")).hasMessage("sinks[2].config.rules[0].match.port: is odd");
        assertThat(rules.get(1).error("is odd")).hasMessage("sinks[2].config.rules[1]: is odd");
        assertThat(c.list("absent")).isEmpty();
        assertThat(c.object("absent")).isEmpty();
        assertThatThrownBy(() -> c.list("alerts")).isInstanceOf(SinkException.class)
                .hasMessage("sinks[2].config.alerts: must be a JSON array, got \"stderr\"");
        assertThatThrownBy(() -> c.object("rules"))
                .hasMessage("sinks[2].config.rules: must be a JSON object, got [{\"point\":[\"a\",\"b\"],\"match\":{\"port\":22,\"ip\":null}},\"x\"]");
    }

    @Test
    void valuesAreWrittenBackAsJacksonWritesThem() throws Exception {
        SinkConfig c = config("""
                {"s": "a\\"b\\\\c\\n\\u0001", "f": 1.5, "e": 1e3, "n": -7, "t": true}""");
        assertThat(c.value("s").orElseThrow().json()).isEqualTo("\"a\\\"b\\\\c\\n\\u0001\"");
        assertThat(c.value("f").orElseThrow().json()).isEqualTo("1.5");
        assertThat(c.value("e").orElseThrow().json()).isEqualTo("1000.0");
        assertThat(c.value("n").orElseThrow().json()).isEqualTo("-7");
        assertThat(c.value("t").orElseThrow().json()).isEqualTo("true");
        assertThatThrownBy(() -> config("{\"huge\": 1e400}"))
                .hasMessage("sinks[2].config.huge: number out of range");
        assertThatThrownBy(() -> config("[1]")).hasMessage("sinks[2].config: must be a JSON object, got [1]");
    }
}

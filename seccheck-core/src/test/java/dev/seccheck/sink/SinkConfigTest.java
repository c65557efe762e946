package dev.seccheck.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class SinkConfigTest {

    private static SinkConfig config(String json) throws Exception {
        return new SinkConfig((ObjectNode) new ObjectMapper().readTree(json), "sinks[2].config");
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
        assertThat(c.raw("retries").orElseThrow().intValue()).isEqualTo(3);
        assertThat(c.raw("nothing")).isEmpty();
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
}

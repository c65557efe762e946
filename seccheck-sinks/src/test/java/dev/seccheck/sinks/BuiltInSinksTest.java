package dev.seccheck.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkRegistry;
import org.junit.jupiter.api.Test;

/** The sinks of this module are registered for ServiceLoader, so a session file can name them. */
class BuiltInSinksTest {

    @Test
    void discoverFindsTheBuiltInSinks() {
        SinkRegistry r = SinkRegistry.discover();
        assertThat(r.all()).extracting(SinkDescriptor::name).contains("null", "text", "policy");
        assertThat(r.byName("null")).isPresent();
        assertThat(r.byName("remote-ish")).isEmpty();
    }
}

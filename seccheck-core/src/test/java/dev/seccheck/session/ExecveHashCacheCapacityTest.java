package dev.seccheck.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.points.Catalog;
import dev.seccheck.sink.SinkRegistry;
import dev.seccheck.state.PointState;
import dev.seccheck.testing.TestSinks;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A session's execve_hash_cache_capacity reaches the supervisor through PointState. */
class ExecveHashCacheCapacityTest {

    private final SessionConfigParser parser =
            new SessionConfigParser(Catalog.standard(), new SinkRegistry(List.of(new TestSinks("rec"))));
    private final PointState state = new PointState();
    private final SessionManager manager = new SessionManager(state, w -> { });

    private void create(String name, String point, String options) throws SessionException {
        manager.create(parser.parse("{\"name\": \"" + name + "\", \"points\": [{\"name\": \"" + point + "\"}],"
                + " \"sinks\": [{\"name\": \"rec\"}]" + (options == null ? "" : ", \"options\": " + options) + "}"), false);
    }

    @Test
    void theLargestCapacityAmongExecveSessionsWins() throws Exception {
        assertThat(state.execveHashCacheCapacity()).isZero();
        create("small", "sentry/execve", "{\"execve_hash_cache_capacity\": 3}");
        assertThat(state.execveHashCacheCapacity()).isEqualTo(3);
        create("none", "sentry/execve", "{\"execve_hash_cache_capacity\": 0}");
        assertThat(state.execveHashCacheCapacity()).isEqualTo(3);
        create("other", "sentry/clone", "{\"execve_hash_cache_capacity\": 900}");
        assertThat(state.execveHashCacheCapacity()).as("a session without sentry/execve does not count").isEqualTo(3);
        manager.delete("small");
        assertThat(state.execveHashCacheCapacity()).isZero();
    }

    @Test
    void withoutTheOptionTheDefaultApplies() throws Exception {
        create("default", "sentry/execve", null);
        assertThat(state.execveHashCacheCapacity()).isEqualTo(SessionOptions.DEFAULT.execveHashCacheCapacity()).isEqualTo(512);
    }
}

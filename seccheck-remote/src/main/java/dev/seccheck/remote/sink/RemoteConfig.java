package dev.seccheck.remote.sink;

import dev.seccheck.sink.OnDrop;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * RemoteConfig is the validated configuration of the {@code remote} sink. It takes gVisor's keys
 * ({@code endpoint}, {@code retries}, {@code backoff}, {@code backoff_max}: all of them, so a
 * session file written for gVisor loads unchanged) and seccheck's {@code on_drop}. Any other key
 * is refused, unlike gVisor, which ignores it: {@code "on_dorp": "deny"} would otherwise leave the
 * sink counting drops while its author believes a point it cannot deliver fails the operation.
 *
 * @param endpoint the monitoring server's socket path
 * @param retries how many times a full socket is retried before the point is dropped
 * @param backoff the first wait between retries
 * @param backoffMax the cap of the doubling wait
 * @param onDrop what a point that cannot be delivered does to the operation it reports
 */
public record RemoteConfig(Path endpoint, int retries, Duration backoff, Duration backoffMax, OnDrop onDrop) {
    /**
     * Our default retries; gVisor's is 0, which dropped 7,036 of 9,844 points of a 16-thread
     * workload whose server kept up on average. 100 doublings from 25us capped at 10ms let a write
     * wait up to about 1 s for room: enough for a server's JIT warm-up, a GC pause or a slow
     * disk. A server that stops reading costs that once: the sink then drops without waiting
     * until the socket takes a packet again (see RemoteSink). {@code "retries": 0} restores gVisor's
     * never-wait behaviour.
     */
    public static final int DEFAULT_RETRIES = 100;
    /** gVisor's default first backoff. */
    public static final Duration DEFAULT_BACKOFF = Duration.ofNanos(25_000);
    /** gVisor's default backoff cap. */
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofMillis(10);

    /** The keys this sink reads: gVisor's four, then seccheck's own. */
    static final String[] KEYS = {"endpoint", "retries", "backoff", "backoff_max", OnDrop.KEY};

    /** Reads and checks a sink configuration; errors name the key's path. */
    public static RemoteConfig parse(SinkConfig config) throws SinkException {
        config.requireOnly(KEYS);
        String endpoint = config.requireString("endpoint");
        if (endpoint.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 107) {
            throw config.error("endpoint", "socket path longer than 107 bytes: " + endpoint);
        }
        long retries = config.integer("retries").orElse(DEFAULT_RETRIES);
        if (retries < 0 || retries > Integer.MAX_VALUE) {
            throw config.error("retries", "must be between 0 and " + Integer.MAX_VALUE + ", got " + retries);
        }
        Duration backoff = config.duration("backoff", DEFAULT_BACKOFF);
        Duration backoffMax = config.duration("backoff_max", DEFAULT_BACKOFF_MAX);
        if (backoff.compareTo(backoffMax) > 0) {
            throw config.error("backoff", "\"" + config.string("backoff").orElse("25us") + "\" is longer than backoff_max \""
                    + config.string("backoff_max").orElse("10ms") + "\"");
        }
        return new RemoteConfig(Path.of(endpoint), (int) retries, backoff, backoffMax, OnDrop.parse(config));
    }
}

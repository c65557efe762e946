package dev.seccheck.remote.sink;

import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * RemoteConfig is the validated configuration of the {@code remote} sink. Unknown keys are
 * ignored, as gVisor does, so session files written for gVisor work unchanged.
 *
 * @param endpoint the monitoring server's socket path
 * @param retries how many times a full socket is retried before the point is dropped
 * @param backoff the first wait between retries
 * @param backoffMax the cap of the doubling wait
 */
public record RemoteConfig(Path endpoint, int retries, Duration backoff, Duration backoffMax) {
    /** gVisor's default first backoff. */
    public static final Duration DEFAULT_BACKOFF = Duration.ofNanos(25_000);
    /** gVisor's default backoff cap. */
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofMillis(10);

    /** Reads and checks a sink configuration; errors name the key's path. */
    public static RemoteConfig parse(SinkConfig config) throws SinkException {
        String endpoint = config.requireString("endpoint");
        if (endpoint.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 107) {
            throw config.error("endpoint", "socket path longer than 107 bytes: " + endpoint);
        }
        long retries = config.integer("retries").orElse(0);
        if (retries < 0 || retries > Integer.MAX_VALUE) {
            throw config.error("retries", "must be between 0 and " + Integer.MAX_VALUE + ", got " + retries);
        }
        Duration backoff = config.duration("backoff", DEFAULT_BACKOFF);
        Duration backoffMax = config.duration("backoff_max", DEFAULT_BACKOFF_MAX);
        if (backoff.compareTo(backoffMax) > 0) {
            throw config.error("backoff", "\"" + config.string("backoff").orElse("25us") + "\" is longer than backoff_max \""
                    + config.string("backoff_max").orElse("10ms") + "\"");
        }
        return new RemoteConfig(Path.of(endpoint), (int) retries, backoff, backoffMax);
    }
}

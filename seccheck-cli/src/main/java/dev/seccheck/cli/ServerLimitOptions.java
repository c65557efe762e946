package dev.seccheck.cli;

import dev.seccheck.config.GoDuration;
import dev.seccheck.remote.consumer.ServerLimits;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * ServerLimitOptions are the options, part of {@link EventInput}, that bound what {@code server} and {@code tracereplay save}
 * spend on the sandboxes connecting to their socket: the connection limit and the idle timeout.
 */
final class ServerLimitOptions {
    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "" + ServerLimits.DEFAULT_MAX_CONNECTIONS,
            description = "Connections held at once (default: ${DEFAULT-VALUE}); at the limit a new one replaces "
                    + "the connection silent longest.")
    int maxConnections;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "0",
            description = "Close a handshaked connection silent this long, e.g. 10m or 30s (default: 0, never).")
    String idleTimeout;

    /** Returns the limits these options give, or a usage error naming the bad option and value. */
    ServerLimits limits(CommandSpec spec) {
        if (maxConnections < 1) {
            throw new ParameterException(spec.commandLine(), "--max-connections: must be at least 1, got "
                    + maxConnections);
        }
        Duration idle;
        try {
            idle = GoDuration.parse(idleTimeout);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--idle-timeout: " + e.getMessage());
        }
        if (idle.isNegative()) {
            throw new ParameterException(spec.commandLine(), "--idle-timeout: must not be negative, got " + idleTimeout);
        }
        if (!idle.isZero() && idle.compareTo(Duration.ofMillis(1)) < 0) {
            // 0 means never; a duration that rounds to nothing would read as never too.
            throw new ParameterException(spec.commandLine(), "--idle-timeout: must be 0 (never) or at least 1ms, got "
                    + idleTimeout);
        }
        return ServerLimits.DEFAULT.withMaxConnections(maxConnections).withIdleTimeout(idle);
    }

    /** Describes the limits for the start-up line: "at most N connections, idle timeout D". */
    String describe(ServerLimits limits) {
        return "at most " + limits.maxConnections() + " connections, idle timeout "
                + (limits.idleTimeout().isZero() ? "none" : idleTimeout);
    }
}

package dev.seccheck.cli;

import dev.seccheck.control.ControlClient;
import java.time.Duration;
import picocli.CommandLine.Option;

/** TimeoutOption is the {@code --timeout} option of the commands that talk to a run: how long a run may take to answer. */
final class TimeoutOption {
    @Option(names = "--timeout", paramLabel = "SECONDS",
            description = "How long to wait for the run to answer before giving up (default: ${DEFAULT-VALUE} s).")
    double seconds = ControlClient.DEFAULT_TIMEOUT.toSeconds();

    Duration duration() {
        if (!(seconds >= 0.001) || seconds > 86_400) {
            // Below a millisecond the wait rounds to none: every answer would be "timed out".
            throw new IllegalArgumentException("--timeout " + seconds + ": must be at least 0.001 and at most 86400 seconds");
        }
        return Duration.ofNanos((long) (seconds * 1e9));
    }
}

package dev.seccheck.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.control.ControlClient;
import dev.seccheck.control.ControlException;
import java.io.IOException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * RunTarget is the running workload a trace command talks to: {@code [--root DIR] [--timeout S] ID},
 * and the call to it.
 */
final class RunTarget {
    @Mixin
    RootOption root;

    @Mixin
    TimeoutOption timeout;

    @Parameters(paramLabel = "ID", description = "The run's id.")
    String id;

    /** Sends a request to the run's control socket and returns its answer. */
    JsonNode call(ObjectNode request) throws ControlException, IOException {
        return ControlClient.call(root.runtimeRoot().find(id), request, timeout.duration());
    }
}

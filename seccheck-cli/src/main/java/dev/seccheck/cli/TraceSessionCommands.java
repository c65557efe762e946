package dev.seccheck.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.control.ControlClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * TraceSessionCommands are the {@code trace} subcommands that act on a running workload through
 * its control socket: create, delete, list and procfs, shaped like runsc's.
 */
final class TraceSessionCommands {
    private TraceSessionCommands() {}

    /** {@code trace create --config FILE [--force] [--locked] ID}. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a trace session in a running workload from a session JSON file.")
    static final class Create implements Callable<Integer> {
        @Mixin
        RunTarget run;

        @Option(names = "--config", required = true, paramLabel = "FILE", description = "Session configuration (gVisor JSON).")
        Path config;

        @Option(names = "--force", description = "Replace a session with the same name (no gap between old and new).")
        boolean force;

        @Option(names = "--locked", description = "Lock the session: no request can delete or replace it; it ends when the run stops.")
        boolean locked;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            String text = ConfigFiles.read("--config", config);
            ObjectNode req = ControlClient.request("session_create");
            req.put("config", text);
            req.put("force", force);
            req.put("locked", locked);
            JsonNode reply = run.call(req);
            spec.commandLine().getOut().println("Trace session \"" + reply.path("name").asText() + "\" created ("
                    + reply.path("points").asInt() + " points" + (reply.path("locked").asBoolean() ? ", locked" : "") + ").");
            return 0;
        }
    }

    /** {@code trace delete --name NAME ID}. */
    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a trace session of a running workload.")
    static final class Delete implements Callable<Integer> {
        @Mixin
        RunTarget run;

        @Option(names = "--name", required = true, description = "The session's name.")
        String name;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            ObjectNode req = ControlClient.request("session_delete");
            req.put("name", name);
            run.call(req);
            spec.commandLine().getOut().println("Trace session \"" + name + "\" deleted.");
            return 0;
        }
    }

    /** {@code trace list ID}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the trace sessions of a running workload with each sink's dropped count.")
    static final class ListSessions implements Callable<Integer> {
        @Mixin
        RunTarget run;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            JsonNode reply = run.call(ControlClient.request("session_list"));
            PrintWriter out = spec.commandLine().getOut();
            out.println("SESSIONS (" + reply.path("sessions").size() + ")");
            for (JsonNode s : reply.path("sessions")) {
                out.println("\"" + s.path("name").asText() + "\" (" + s.path("points").asInt() + " points"
                        + (s.path("locked").asBoolean() ? ", locked" : "") + ")");
                for (JsonNode sink : s.path("sinks")) {
                    out.println("\tSink: \"" + sink.path("name").asText() + "\", dropped: " + sink.path("dropped").asLong());
                }
            }
            out.flush();
            return 0;
        }
    }

    /** {@code trace procfs ID}. */
    @Command(name = "procfs", mixinStandardHelpOptions = true,
            description = "Print one JSON object per process of a running workload (exe, args, env, cwd, status, fds, limits...).")
    static final class Procfs implements Callable<Integer> {
        @Mixin
        RunTarget run;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            JsonNode reply = run.call(ControlClient.request("procfs"));
            ObjectMapper json = new ObjectMapper();
            PrintWriter out = spec.commandLine().getOut();
            for (JsonNode p : reply.path("processes")) {
                out.println(json.writeValueAsString(p));
            }
            out.flush();
            return 0;
        }
    }
}

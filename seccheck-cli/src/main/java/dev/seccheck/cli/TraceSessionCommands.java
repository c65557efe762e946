package dev.seccheck.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.control.ControlClient;
import dev.seccheck.control.ControlException;
import dev.seccheck.format.JsonLine;
import dev.seccheck.session.SessionConfigParser;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * TraceSessionCommands are the {@code trace} subcommands that act on a running workload through
 * its control socket: create, delete, list and procfs, shaped like runsc's.
 */
final class TraceSessionCommands {
    private TraceSessionCommands() {}

    /**
     * Request is what the four subcommands share: the run they talk to, one request ({@link #op})
     * sent to it, and the reply printed on the command's stdout.
     */
    abstract static class Request implements Callable<Integer> {
        @Mixin
        RunTarget run;

        @Spec
        CommandSpec spec;

        /**
         * Returns the control request this subcommand sends: {@code session_} and the
         * subcommand's name, as the session requests of the control socket are named.
         */
        String op() {
            return "session_" + spec.name();
        }

        /** Adds the subcommand's arguments to the request; the default adds none. */
        void arguments(ObjectNode request) throws Exception {}

        /** Returns what starts the run's error message, e.g. the config file it is about; the default adds nothing. */
        String errorContext() {
            return "";
        }

        /** Prints what the user sees of the reply. */
        abstract void print(JsonNode reply, PrintWriter out) throws Exception;

        @Override
        public final Integer call() throws Exception {
            ObjectNode request = ControlClient.request(op());
            arguments(request);
            JsonNode reply;
            try {
                reply = run.call(request);
            } catch (ControlException e) {
                // At the end: the run's message stays first, as it reads without the file too.
                throw errorContext().isEmpty() ? e : new ControlException(e.getMessage() + " (" + errorContext() + ")", e);
            }
            PrintWriter out = spec.commandLine().getOut();
            print(reply, out);
            out.flush();
            return 0;
        }
    }

    /** {@code trace create --config FILE [--force] [--locked] ID}. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a trace session in a running workload from a session JSON file.",
            footer = {"", "Examples:",
                "  seccheck trace create --config files.json RUN-ID",
                "  seccheck run --print-config -e %%network > net.json && seccheck trace create --config net.json RUN-ID"})
    static final class Create extends Request {
        @Option(names = "--config", required = true, paramLabel = "FILE", description = "Session configuration (gVisor JSON).")
        Path config;

        @Option(names = "--force", description = "Replace a session with the same name (no gap between old and new).")
        boolean force;

        @Option(names = "--locked", description = "Lock the session: no request can delete or replace it; it ends when the run stops.")
        boolean locked;

        @Override
        void arguments(ObjectNode req) throws Exception {
            req.put("config", ConfigFiles.read("--config", config));
            req.put("force", force);
            req.put("locked", locked);
        }

        @Override
        String errorContext() {
            return "--config " + config;
        }

        @Override
        void print(JsonNode reply, PrintWriter out) {
            out.println("Trace session \"" + reply.path("name").asText() + "\" created ("
                    + reply.path("points").asInt() + " points" + (reply.path("locked").asBoolean() ? ", locked" : "") + ").");
        }
    }

    /** {@code trace delete --name NAME ID}. */
    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a trace session of a running workload.",
            footer = {"", "Example:", "  seccheck trace delete --name files RUN-ID"})
    static final class Delete extends Request {
        @Option(names = "--name", required = true, description = "The session's name.")
        String name;

        @Override
        void arguments(ObjectNode req) {
            // Checked as a session's own name is: the run's reply quotes it back ("no session named ...").
            String bad = SessionConfigParser.nameProblem(name);
            if (bad != null) {
                throw new ParameterException(spec.commandLine(), "--name: " + bad);
            }
            req.put("name", name);
        }

        @Override
        void print(JsonNode reply, PrintWriter out) {
            out.println("Trace session \"" + name + "\" deleted.");
        }
    }

    /** {@code trace list ID}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the trace sessions of a running workload with each sink's dropped count.",
            footer = {"", "Example:", "  seccheck trace list RUN-ID"})
    static final class ListSessions extends Request {
        @Override
        void print(JsonNode reply, PrintWriter out) {
            out.println("SESSIONS (" + reply.path("sessions").size() + ")");
            for (JsonNode s : reply.path("sessions")) {
                out.println("\"" + s.path("name").asText() + "\" (" + s.path("points").asInt() + " points"
                        + (s.path("locked").asBoolean() ? ", locked" : "") + ")");
                for (JsonNode sink : s.path("sinks")) {
                    out.println("\tSink: \"" + sink.path("name").asText() + "\", dropped: " + sink.path("dropped").asLong());
                }
            }
        }
    }

    /** {@code trace procfs ID}. */
    @Command(name = "procfs", mixinStandardHelpOptions = true,
            description = "Print one JSON object per process of a running workload (exe, args, env, cwd, status, fds, limits...).",
            footer = {"", "Example:", "  seccheck trace procfs RUN-ID | jq -r '.exe'"})
    static final class Procfs extends Request {
        @Override
        String op() {
            return "procfs";
        }

        @Override
        void print(JsonNode reply, PrintWriter out) throws Exception {
            // The program's strings (argv, environment, paths): escaped as the JSON lines of points are,
            // so that none acts on the operator's terminal (red-team round 22: C1 CSI and OSC, RLO).
            for (JsonNode p : reply.path("processes")) {
                out.println(JsonLine.line(p));
            }
        }
    }
}

package dev.seccheck.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.control.ControlClient;
import dev.seccheck.control.ControlException;
import dev.seccheck.control.RuntimeRoot;
import dev.seccheck.linux.CallerWorld;
import dev.seccheck.points.Catalog;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * ExecCommand runs another command inside a running workload's supervision, like
 * {@code runsc exec}: the run's sessions see it, its tasks carry {@code is_exec_session}, and it
 * uses this command's stdin, stdout, stderr, environment and working directory. Exits with its
 * status, or ends by the signal that killed it (as {@code run} does); signals sent to this
 * command are forwarded to it ({@link ExecSignals}). The trace options ({@code -e}, {@code -o}, {@code --summary}...) add a session to the
 * run for as long as the command runs, writing to this command's stderr unless {@code -o}.
 */
@Command(name = "exec", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run a command inside a running workload (its sessions see it as an exec session).",
        footer = """

                Examples:
                  seccheck exec run-1 -- cat /etc/hostname
                  seccheck exec -e trace=%%file --comm cat run-1 -- cat /etc/hostname     # its file calls, on this stderr
                  seccheck exec --summary run-1 -- make                                  # strace -c style tables at the end

                While the command runs, the trace options' session sees the whole workload; --pid and --comm narrow it.
                Signals sent to seccheck exec (INT, TERM, HUP, QUIT, USR1, USR2, WINCH, CONT, TSTP, TTIN, TTOU) go to the command.
                Exit status: the command's; when signal N killed it, seccheck exec ends by signal N too (128+N).""")
final class ExecCommand implements Callable<Integer> {

    @Mixin
    RootOption root;

    @Mixin
    TimeoutOption timeout;

    @Mixin
    TraceOptions trace;

    @Parameters(index = "0", paramLabel = "ID", description = "The run's id.")
    String id;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "The command and its arguments (after --).")
    List<String> command;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String name = "exec-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        // The run opens this command's stderr through /proc, as it reaches its stdio for the command itself.
        Optional<String> session = trace.session(Catalog.standard(), name, "/proc/" + ProcessHandle.current().pid() + "/fd/2");
        if (trace.printConfig) {
            spec.commandLine().getOut().println(session.orElse("{}"));
            return 0;
        }
        RuntimeRoot.RunAddress run = root.runtimeRoot().find(id);
        if (session.isPresent()) {
            ObjectNode create = ControlClient.request("session_create");
            create.put("config", session.get());
            create.put("force", false);
            create.put("locked", false);
            try {
                ControlClient.call(run, create, timeout.duration());
            } catch (ControlException e) {
                throw new ControlException("exec: the trace options' session: " + e.getMessage(), e);
            }
        }
        ExecSignals signals = new ExecSignals(run, timeout.duration(), spec.commandLine().getErr());
        signals.install(CallerWorld.current());
        try {
            ObjectNode req = ControlClient.request("exec");
            ArrayNode argv = req.putArray("argv");
            command.forEach(argv::add);
            ArrayNode env = req.putArray("env");
            for (Map.Entry<String, String> e : System.getenv().entrySet()) {
                env.add(e.getKey() + "=" + e.getValue());
            }
            req.put("cwd", Path.of("").toAbsolutePath().toString());
            // The timeout covers reaching the run and its acceptance; the command itself runs as long as it needs.
            JsonNode reply = ControlClient.call(run, req, timeout.duration());
            int killedBy = reply.path("signal").asInt(0);
            if (killedBy != 0) {
                // Natively the shell would see the command killed: it sees this process killed alike.
                Main.endBy(killedBy);
            }
            return reply.path("status").asInt(1);
        } finally {
            signals.close();
            if (session.isPresent()) {
                // Deleting stops the sinks: the summary is written now, after the command's last point.
                ObjectNode delete = ControlClient.request("session_delete");
                delete.put("name", name);
                ControlClient.call(run, delete, timeout.duration());
            }
        }
    }
}

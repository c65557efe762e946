package dev.seccheck.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.control.ControlClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * ExecCommand runs another command inside a running workload's supervision, like
 * {@code runsc exec}: the run's sessions see it, its tasks carry {@code is_exec_session}, and it
 * uses this command's stdin, stdout, stderr, environment and working directory. Exits with its
 * status.
 */
@Command(name = "exec", mixinStandardHelpOptions = true,
        description = "Run a command inside a running workload (its sessions see it as an exec session).")
final class ExecCommand implements Callable<Integer> {

    @Mixin
    RootOption root;

    @Mixin
    TimeoutOption timeout;

    @Parameters(index = "0", paramLabel = "ID", description = "The run's id.")
    String id;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "The command and its arguments (after --).")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        ObjectNode req = ControlClient.request("exec");
        ArrayNode argv = req.putArray("argv");
        command.forEach(argv::add);
        ArrayNode env = req.putArray("env");
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            env.add(e.getKey() + "=" + e.getValue());
        }
        req.put("cwd", Path.of("").toAbsolutePath().toString());
        // The timeout covers reaching the run and its acceptance; the command itself runs as long as it needs.
        JsonNode reply = ControlClient.call(root.runtimeRoot().find(id), req, timeout.duration());
        return reply.path("status").asInt(1);
    }
}

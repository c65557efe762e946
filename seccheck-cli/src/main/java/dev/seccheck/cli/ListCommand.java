package dev.seccheck.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.seccheck.control.ControlClient;
import dev.seccheck.control.ControlException;
import dev.seccheck.control.RunRecord;
import dev.seccheck.control.RuntimeRoot;
import dev.seccheck.format.Escape;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * ListCommand lists the running workloads: id, supervisor pid, sessions, command. A run that does
 * not answer within the timeout is shown as {@code (unresponsive)} rather than holding the list.
 */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List running workloads.",
        footer = {"", "Examples:", "  seccheck list", "  seccheck list --root /tmp/seccheck-runs"})
final class ListCommand implements Callable<Integer> {

    @Mixin
    RootOption root;

    @Mixin
    TimeoutOption timeout;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        java.time.Duration wait = timeout.duration(); // a bad value is refused with no run to ask too
        PrintWriter out = spec.commandLine().getOut();
        RuntimeRoot rr = root.runtimeRoot();
        // A message may name a directory the program made in the runtime root: escaped, as seccheck's other lines.
        List<RunRecord> runs = rr.list(msg -> spec.commandLine().getErr().println("seccheck list: " + Escape.line(msg)));
        out.printf("%-24s %-8s %-24s %s%n", "ID", "PID", "SESSIONS", "COMMAND");
        for (RunRecord r : runs) {
            String sessions;
            try {
                JsonNode info = ControlClient.call(rr.find(r.id()), ControlClient.request("session_list"), wait);
                List<String> names = new ArrayList<>();
                info.path("sessions").forEach(s -> names.add(s.path("name").asText()));
                sessions = names.isEmpty() ? "-" : String.join(",", names);
            } catch (ControlException e) {
                sessions = e.unresponsive() ? "(unresponsive)" : "(unreachable)";
                spec.commandLine().getErr().println("seccheck list: " + Escape.line(String.valueOf(e.getMessage())));
            }
            // The command is as the run recorded it, which its program can rewrite: escaped, one word an
            // argument, so that no line or terminal sequence of its choosing reaches the screen.
            StringBuilder command = new StringBuilder();
            for (String arg : r.command()) {
                if (!command.isEmpty()) {
                    command.append(' ');
                }
                Escape.word(command, arg, Escape.DEFAULT_LIMIT);
            }
            out.printf("%-24s %-8d %-24s %s%n", r.id(), r.pid(), sessions, command);
        }
        out.flush();
        return 0;
    }
}

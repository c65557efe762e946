package dev.seccheck.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.session.SessionConfig;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SessionException;
import dev.seccheck.session.SessionInfo;
import dev.seccheck.session.SessionManager;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * SessionControl answers a run's control requests: {@code info}, {@code session_list},
 * {@code session_create} (a session JSON, optionally replacing one with the same name),
 * {@code session_delete}, {@code procfs} (a snapshot of every process of the workload), and
 * {@code exec} (another command inside the run, with the client's stdio).
 */
public final class SessionControl implements ControlHandler {

    private final RunRecord run;
    private final SessionManager sessions;
    private final SessionConfigParser parser;
    private final Supplier<Collection<Integer>> processes;
    private final ExecHandler exec;

    /** ExecHandler runs a command inside the run for {@code seccheck exec}, with the client's stdio. */
    @FunctionalInterface
    public interface ExecHandler {
        /**
         * Runs {@code argv} with the standard descriptors of process {@code clientPid} and returns
         * its exit status once it ended.
         */
        int exec(long clientPid, List<String> argv, List<String> env, String cwd) throws ControlException;
    }

    /**
     * @param processes the thread-group ids the run supervises right now
     * @param exec runs {@code exec} requests
     */
    public SessionControl(RunRecord run, SessionManager sessions, SessionConfigParser parser,
            Supplier<Collection<Integer>> processes, ExecHandler exec) {
        this.run = run;
        this.sessions = sessions;
        this.parser = parser;
        this.processes = processes;
        this.exec = exec;
    }

    @Override
    public ObjectNode handle(String op, JsonNode request) throws ControlException {
        return switch (op) {
            case "info" -> info();
            case "session_list" -> sessionList();
            case "session_create" -> create(request);
            case "session_delete" -> delete(request);
            case "procfs" -> procfs();
            case "exec" -> exec(request);
            default -> throw new ControlException("unknown request \"" + op + "\"");
        };
    }

    private ObjectNode info() {
        ObjectNode n = sessionList();
        n.put("id", run.id());
        n.put("pid", run.pid());
        run.command().forEach(n.putArray("command")::add);
        n.put("started", run.started().toString());
        n.put("processes", processes.get().size());
        return n;
    }

    private ObjectNode sessionList() {
        ObjectNode n = Wire.JSON.createObjectNode();
        ArrayNode list = n.putArray("sessions");
        for (SessionInfo s : sessions.list()) {
            ObjectNode o = list.addObject();
            o.put("name", s.name());
            o.put("points", s.pointCount());
            ArrayNode sinks = o.putArray("sinks");
            for (SessionInfo.SinkInfo sink : s.sinks()) {
                sinks.addObject().put("name", sink.name()).put("dropped", sink.status().dropped());
            }
        }
        return n;
    }

    private ObjectNode create(JsonNode request) throws ControlException {
        String text = request.path("config").asText(null);
        if (text == null) {
            throw new ControlException("session_create needs \"config\" (the session JSON)");
        }
        try {
            SessionConfig config = parser.parse(text);
            SessionInfo info = sessions.create(config, request.path("force").asBoolean(false));
            ObjectNode n = Wire.JSON.createObjectNode();
            n.put("name", info.name());
            n.put("points", info.pointCount());
            return n;
        } catch (SessionException e) {
            throw new ControlException(e.getMessage(), e);
        }
    }

    private ObjectNode delete(JsonNode request) throws ControlException {
        String name = request.path("name").asText(null);
        if (name == null) {
            throw new ControlException("session_delete needs \"name\"");
        }
        try {
            sessions.delete(name);
        } catch (SessionException e) {
            throw new ControlException(e.getMessage(), e);
        }
        ObjectNode n = Wire.JSON.createObjectNode();
        n.put("name", name);
        return n;
    }

    private ObjectNode exec(JsonNode request) throws ControlException {
        List<String> argv = strings(request.path("argv"));
        if (argv.isEmpty() || !request.path("pid").canConvertToLong()) {
            throw new ControlException("exec needs \"argv\" (a non-empty list) and the client's \"pid\"");
        }
        int status = exec.exec(request.path("pid").asLong(), argv, strings(request.path("env")),
                request.path("cwd").asText("/"));
        ObjectNode n = Wire.JSON.createObjectNode();
        n.put("status", status);
        return n;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(e -> out.add(e.asText()));
        return out;
    }

    private ObjectNode procfs() {
        ObjectNode n = Wire.JSON.createObjectNode();
        ArrayNode list = n.putArray("processes");
        processes.get().stream().sorted().forEach(pid -> ProcfsSnapshot.of(pid).ifPresent(list::add));
        return n;
    }
}

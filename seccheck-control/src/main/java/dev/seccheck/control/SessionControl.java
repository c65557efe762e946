package dev.seccheck.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.session.SessionConfig;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SessionException;
import dev.seccheck.session.SessionInfo;
import dev.seccheck.session.SessionManager;
import java.util.Collection;
import java.util.function.Supplier;

/**
 * SessionControl answers a run's control requests: {@code info}, {@code session_list},
 * {@code session_create} (a session JSON, optionally replacing one with the same name),
 * {@code session_delete}, and {@code procfs} (a snapshot of every process of the workload).
 */
public final class SessionControl implements ControlHandler {

    private final RunRecord run;
    private final SessionManager sessions;
    private final SessionConfigParser parser;
    private final Supplier<Collection<Integer>> processes;

    /**
     * @param processes the thread-group ids the run supervises right now
     */
    public SessionControl(RunRecord run, SessionManager sessions, SessionConfigParser parser,
            Supplier<Collection<Integer>> processes) {
        this.run = run;
        this.sessions = sessions;
        this.parser = parser;
        this.processes = processes;
    }

    @Override
    public ObjectNode handle(String op, JsonNode request) throws ControlException {
        return switch (op) {
            case "info" -> info();
            case "session_list" -> sessionList();
            case "session_create" -> create(request);
            case "session_delete" -> delete(request);
            case "procfs" -> procfs();
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

    private ObjectNode procfs() {
        ObjectNode n = Wire.JSON.createObjectNode();
        ArrayNode list = n.putArray("processes");
        processes.get().stream().sorted().forEach(pid -> ProcfsSnapshot.of(pid).ifPresent(list::add));
        return n;
    }
}

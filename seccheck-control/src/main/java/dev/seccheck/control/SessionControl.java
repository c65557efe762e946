package dev.seccheck.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.linux.WaitStatus;
import dev.seccheck.session.SessionConfig;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SessionException;
import dev.seccheck.session.SessionInfo;
import dev.seccheck.session.SessionManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * SessionControl answers a run's control requests: {@code info}, {@code session_list},
 * {@code session_create} (a session JSON, optionally replacing one with the same name),
 * {@code session_delete}, {@code procfs} (a snapshot of every process of the workload),
 * {@code exec} (another command inside the run, with the client's stdio), and {@code signal} (a
 * signal for the commands {@code exec} runs for the requesting process, and only those: a
 * {@code seccheck exec} client forwards what it receives). A request with a field missing or of
 * the wrong type is refused naming the field. {@code session_create} with {@code "locked": true}
 * makes a session that no request can delete or replace. A request that names the run it is meant
 * for ({@code "run": ID}, which {@link ControlClient} always sends) is refused by any other run:
 * every run of a user keeps its directory in one runtime directory the supervised programs of that
 * user can rename in, and a program that swapped its run's directory with another run's had the
 * operator's requests for that run (a session deleted, a command run with the operator's terminal)
 * served by its own.
 *
 * <p>The protocol has no version number: a request or reply only ever gains fields, and a field
 * keeps its meaning, so a peer ignores what it does not know. The {@code exec} reply is
 * {@code {"ok": true, "status": S}}, S the command's status as a shell reports it (its exit code,
 * or 128+N when signal N killed it), plus {@code "signal": N} in the second case; a client reads
 * the signal to end by it, as the shell that started it would see the command end natively. A
 * client that knows no {@code signal} field, and a new client served by a run that sends none,
 * exit with S, as both did before the field was added.
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
         * how it ended ({@link WaitStatus.Exited} or {@link WaitStatus.Signaled}); {@code started}
         * is told its first process's pid once it is attached, before its program runs (it does
         * not block).
         */
        WaitStatus exec(long clientPid, List<String> argv, List<String> env, String cwd, IntConsumer started)
                throws ControlException;
    }

    /** How long a {@code signal} request waits for a command still being attached. */
    static final Duration SIGNAL_WAIT = Duration.ofSeconds(2);
    private final ExecClients clients = new ExecClients();

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
    public ObjectNode handle(String op, JsonNode request, Peer peer) throws ControlException {
        JsonNode meant = request.get("run");
        if (meant != null && !(meant.isTextual() && meant.asText().equals(run.id()))) {
            throw new ControlException("this is run \"" + run.id() + "\", not " + meant + ": the runtime directory's entry"
                    + " for that run leads to this one (renamed by a program of the same user?); nothing was done."
                    + " The run's own stderr gives its id; seccheck list shows where each is now");
        }
        return switch (op) {
            case "info" -> info();
            case "session_list" -> sessionList();
            case "session_create" -> create(request);
            case "session_delete" -> delete(request);
            case "procfs" -> procfs();
            case "exec" -> exec(request, peer);
            case "signal" -> signal(request, peer);
            default -> throw new ControlException("unknown request \"" + op
                    + "\" (known: info, session_list, session_create, session_delete, procfs, exec, signal)");
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
            o.put("locked", sessions.config(s.name()).map(c -> c.options().locked()).orElse(false));
            ArrayNode sinks = o.putArray("sinks");
            for (SessionInfo.SinkInfo sink : s.sinks()) {
                sinks.addObject().put("name", sink.name()).put("dropped", sink.status().dropped());
            }
        }
        return n;
    }

    private ObjectNode create(JsonNode request) throws ControlException {
        String text = text(request, "session_create", "config", "the session JSON");
        if (text.length() > Wire.MAX_CONFIG) {
            throw new ControlException("session_create: the config has " + text.length() + " characters, more than the limit of "
                    + Wire.MAX_CONFIG);
        }
        boolean force = flag(request, "session_create", "force");
        boolean lock = flag(request, "session_create", "locked");
        SessionConfig config;
        try {
            config = parser.parse(text);
        } catch (SessionException e) {
            throw new ControlException(e.getMessage(), e);
        }
        if (lock) {
            config = new SessionConfig(config.name(), config.points(), config.sinks(), config.options().withLocked(true));
        }
        SessionInfo info;
        try {
            info = sessions.create(config, force);
        } catch (SessionException e) {
            throw new ControlException(e.getMessage(), e);
        } catch (RuntimeException e) {
            // Applying the session to the running workload failed; the manager undid the creation.
            throw new ControlException("session \"" + config.name() + "\" not created: " + e.getMessage(), e);
        }
        ObjectNode n = Wire.JSON.createObjectNode();
        n.put("name", info.name());
        n.put("points", info.pointCount());
        n.put("locked", config.options().locked());
        return n;
    }

    private ObjectNode delete(JsonNode request) throws ControlException {
        String name = text(request, "session_delete", "name", "the session's name");
        try {
            sessions.delete(name);
        } catch (SessionException e) {
            throw new ControlException(e.getMessage(), e);
        }
        ObjectNode n = Wire.JSON.createObjectNode();
        n.put("name", name);
        return n;
    }

    private static String text(JsonNode request, String op, String field, String what) throws ControlException {
        JsonNode v = request.get(field);
        if (v == null || v.isNull()) {
            throw new ControlException(op + " needs \"" + field + "\" (" + what + ")");
        }
        if (!v.isTextual()) {
            throw new ControlException(op + ": \"" + field + "\" must be a string (" + what + "), got " + v.getNodeType());
        }
        return v.asText();
    }

    private static boolean flag(JsonNode request, String op, String field) throws ControlException {
        JsonNode v = request.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new ControlException(op + ": \"" + field + "\" must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    private ObjectNode exec(JsonNode request, Peer peer) throws ControlException {
        JsonNode argvNode = request.get("argv");
        if (argvNode == null || !argvNode.isArray() || argvNode.isEmpty()) {
            throw new ControlException("exec needs \"argv\" (a non-empty list of strings)");
        }
        // The stdio taken is the requesting process's own (SO_PEERCRED), not one a request names.
        try (ExecClients.Command command = clients.start(peer.pid())) {
            peer.pending();
            WaitStatus end = exec.exec(peer.pid(), strings(argvNode), strings(request.path("env")),
                    request.path("cwd").asText("/"), command);
            ObjectNode n = Wire.JSON.createObjectNode();
            n.put("status", end.exitCode());
            if (end instanceof WaitStatus.Signaled killed) {
                n.put("signal", killed.signal());
            }
            return n;
        }
    }

    /** {@code {"op": "signal", "signal": N}}: answers the pids signalled, none if the peer has no command running. */
    private ObjectNode signal(JsonNode request, Peer peer) throws ControlException {
        JsonNode sig = request.get("signal");
        if (sig == null || !sig.isInt()) {
            throw new ControlException("signal needs \"signal\" (a signal number, e.g. 2 for SIGINT)");
        }
        ObjectNode n = Wire.JSON.createObjectNode();
        clients.signal(peer.pid(), sig.asInt(), SIGNAL_WAIT).forEach(n.putArray("pids")::add);
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

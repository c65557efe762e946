package dev.seccheck.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.linux.WaitStatus;
import dev.seccheck.points.Catalog;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SessionManager;
import dev.seccheck.sink.SinkRegistry;
import dev.seccheck.state.PointState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control protocol answers every request, refuses what it must, and never lets a client hang. */
class ControlProtocolTest {

    private static final String WATCH = """
            {"name": "watch", "points": [{"name": "syscall/openat/enter"}], "sinks": [{"name": "null"}]}""";

    @TempDir
    Path tmp;

    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final PointState state = new PointState();
    private final SessionManager sessions = new SessionManager(state, log::add);
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private Path serve(PeerGuard guard, Duration deadline) throws Exception {
        Path socket = tmp.resolve("c.sock");
        RunRecord run = RunRecord.forThisProcess("t1", List.of("sleep", "1"));
        SessionConfigParser parser = new SessionConfigParser(Catalog.standard(), SinkRegistry.discover());
        closing.add(ControlServer.start(socket, new SessionControl(run, sessions, parser, List::of,
                (pid, argv, env, cwd, started) -> commandEnd(argv)), guard, log::add, deadline));
        return socket;
    }

    /** The end of a command the test's exec handler pretends to run: {@code exit N} exits with N, {@code kill N} is killed by N. */
    private static WaitStatus commandEnd(List<String> argv) {
        int n = Integer.parseInt(argv.get(1));
        return argv.get(0).equals("kill") ? new WaitStatus.Signaled(1, n, n) : new WaitStatus.Exited(1, n << 8, n);
    }

    private Path serve() throws Exception {
        return serve(PeerGuard.NONE, ControlServer.REQUEST_DEADLINE);
    }

    /** Sends raw bytes the way a hostile or broken client would, and returns the one answer. */
    private static JsonNode raw(Path socket, byte[] message) throws Exception {
        try (UnixSeqpacket s = UnixSeqpacket.connect(socket)) {
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            for (int off = 0; off < message.length; off += Wire.PACKET) {
                int len = Math.min(Wire.PACKET, message.length - off);
                while (s.send(message, off, len) == UnixSeqpacket.WOULD_BLOCK) {
                    assertThat(System.nanoTime()).as("the server stopped reading").isLessThan(end);
                    Thread.sleep(1);
                }
            }
            return Wire.parse(Wire.receive(s, Wire.MAX_MESSAGE, end));
        }
    }

    private static JsonNode raw(Path socket, String message) throws Exception {
        return raw(socket, message.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aBadRequestGetsAnErrorNamingTheProblem() throws Exception {
        Path socket = serve();

        assertThat(raw(socket, "hello\n").path("error").asText()).startsWith("bad request: not a JSON message");
        assertThat(raw(socket, "[1, 2]\n").path("error").asText()).startsWith("bad request: not a JSON object");
        assertThat(raw(socket, "{\"op\": \"info\"} {\"op\": \"info\"}\n").path("error").asText())
                .startsWith("bad request: not a JSON message");
        assertThat(raw(socket, new byte[] {'{', '"', 'o', 'p', '"', ':', '"', (byte) 0xff, '"', '}', '\n'})
                .path("error").asText()).startsWith("bad request: not a JSON message").containsIgnoringCase("UTF-8");
        assertThat(raw(socket, "{}\n").path("error").asText()).isEqualTo(
                "bad request: no \"op\" string (one of: info, session_list, session_create, session_delete, procfs, exec, signal)");
        assertThat(raw(socket, "{\"op\": 7}\n").path("error").asText()).startsWith("bad request: no \"op\" string");
        assertThat(raw(socket, "{\"op\": \"nope\"}\n").path("error").asText()).startsWith("unknown request \"nope\" (known:");
        assertThat(raw(socket, "{\"op\": \"session_create\"}\n").path("error").asText())
                .isEqualTo("session_create needs \"config\" (the session JSON)");
        assertThat(raw(socket, "{\"op\": \"session_create\", \"config\": {\"name\": \"x\"}}\n").path("error").asText())
                .isEqualTo("session_create: \"config\" must be a string (the session JSON), got OBJECT");
        assertThat(raw(socket, "{\"op\": \"session_create\", \"config\": \"{}\", \"force\": \"yes\"}\n").path("error").asText())
                .isEqualTo("session_create: \"force\" must be true or false, got \"yes\"");
        assertThat(raw(socket, "{\"op\": \"session_delete\"}\n").path("error").asText())
                .isEqualTo("session_delete needs \"name\" (the session's name)");
        assertThat(raw(socket, "{\"op\": \"exec\", \"argv\": []}\n").path("error").asText())
                .isEqualTo("exec needs \"argv\" (a non-empty list of strings)");
        assertThat(raw(socket, "{\"op\": \"info\"}\n").path("ok").asBoolean()).isTrue();
    }

    @Test
    void anOversizedRequestIsReadToItsEndAndAnswered() throws Exception {
        Path socket = serve();
        byte[] huge = new byte[Wire.MAX_MESSAGE + 100_000];
        java.util.Arrays.fill(huge, (byte) 'x');
        huge[huge.length - 1] = '\n';

        JsonNode reply = raw(socket, huge);

        assertThat(reply.path("ok").asBoolean()).isFalse();
        assertThat(reply.path("error").asText()).isEqualTo("request refused: message of " + (huge.length - 1)
                + " bytes is larger than the limit of " + Wire.MAX_MESSAGE + " bytes (a session config may have at most "
                + Wire.MAX_CONFIG + " bytes)");
    }

    @Test
    void aConfigOverTheLimitGetsAnErrorReplyAndChangesNothing() throws Exception {
        Path socket = serve();
        ObjectNode create = ControlClient.request("session_create");
        create.put("config", WATCH + " ".repeat(Wire.MAX_CONFIG));

        assertThatThrownBy(() -> ControlClient.call(socket, create, Duration.ofSeconds(30)))
                .isInstanceOf(ControlException.class)
                .hasMessage("session_create: the config has " + (WATCH.length() + Wire.MAX_CONFIG)
                        + " characters, more than the limit of " + Wire.MAX_CONFIG);
        assertThat(sessions.list()).isEmpty();
    }

    @Test
    void aRequestThatNeverEndsIsAnsweredAtTheDeadline() throws Exception {
        Path socket = serve(PeerGuard.NONE, Duration.ofMillis(300));
        try (UnixSeqpacket s = UnixSeqpacket.connect(socket)) {
            s.send("{\"op\": ".getBytes(StandardCharsets.UTF_8));
            JsonNode reply = Wire.parse(Wire.receive(s, Wire.MAX_MESSAGE, System.nanoTime() + 10_000_000_000L));
            assertThat(reply.path("error").asText()).startsWith("request refused: no whole request within 300 ms");
        }
    }

    @Test
    void aRefusedPeerGetsTheReasonAndTheRefusalIsLogged() throws Exception {
        long me = ProcessHandle.current().pid();
        Path socket = serve(pid -> Optional.of("refused: the request comes from pid " + pid + ", a task supervised by run t1"),
                ControlServer.REQUEST_DEADLINE);
        ObjectNode create = ControlClient.request("session_create");
        create.put("config", WATCH);

        assertThatThrownBy(() -> ControlClient.call(socket, create, ControlClient.DEFAULT_TIMEOUT))
                .hasMessage("refused: the request comes from pid " + me + ", a task supervised by run t1");
        assertThat(sessions.list()).isEmpty();
        assertThat(log).contains("control socket: \"session_create\" refused: the request comes from pid " + me
                + ", a task supervised by run t1");
    }

    /**
     * The exec reply carries the signal that killed the command as a field of its own beside the
     * status (128+N, what a client that knows no signal field exits with), so the client can end
     * by it; an exit, even with 143, has no signal field.
     */
    @Test
    void theExecReplyGivesTheSignalThatKilledTheCommandBesideItsStatus() throws Exception {
        Path socket = serve();
        JsonNode killed = ControlClient.call(socket, exec("kill", "15"), ControlClient.DEFAULT_TIMEOUT);
        assertThat(killed.path("status").asInt()).isEqualTo(143);
        assertThat(killed.path("signal").asInt()).isEqualTo(15);
        JsonNode exited = ControlClient.call(socket, exec("exit", "143"), ControlClient.DEFAULT_TIMEOUT);
        assertThat(exited.path("status").asInt()).isEqualTo(143);
        assertThat(exited.has("signal")).as("an exit has no signal: %s", exited).isFalse();
    }

    private static ObjectNode exec(String... argv) {
        ObjectNode req = ControlClient.request("exec");
        List.of(argv).forEach(req.putArray("argv")::add);
        return req;
    }

    @Test
    void aLockedSessionCanBeNeitherDeletedNorReplaced() throws Exception {
        Path socket = serve();
        ObjectNode create = ControlClient.request("session_create");
        create.put("config", WATCH);
        create.put("locked", true);
        assertThat(ControlClient.call(socket, create, ControlClient.DEFAULT_TIMEOUT).path("locked").asBoolean()).isTrue();
        ObjectNode fromJson = ControlClient.request("session_create");
        fromJson.put("config", """
                {"name": "guard", "points": [{"name": "syscall/connect/enter"}], "sinks": [{"name": "null"}],
                 "options": {"locked": true}}""");
        ControlClient.call(socket, fromJson, ControlClient.DEFAULT_TIMEOUT);

        for (String name : List.of("watch", "guard")) {
            ObjectNode delete = ControlClient.request("session_delete");
            delete.put("name", name);
            assertThatThrownBy(() -> ControlClient.call(socket, delete, ControlClient.DEFAULT_TIMEOUT))
                    .hasMessage("session \"" + name + "\" is locked: it cannot be deleted while the run lives; "
                            + "it ends when the run stops");
        }
        ObjectNode replace = ControlClient.request("session_create");
        replace.put("config", WATCH.replace("openat", "read"));
        replace.put("force", true);
        assertThatThrownBy(() -> ControlClient.call(socket, replace, ControlClient.DEFAULT_TIMEOUT))
                .hasMessage("session \"watch\" is locked: it cannot be replaced while the run lives; it ends when the run stops");

        assertThat(state.enabled(Catalog.standard().byName("syscall/openat/enter").orElseThrow().point())).isTrue();
        assertThat(state.enabled(Catalog.standard().byName("syscall/read/enter").orElseThrow().point())).isFalse();
        JsonNode list = ControlClient.call(socket, ControlClient.request("session_list"), ControlClient.DEFAULT_TIMEOUT);
        List<String> names = new ArrayList<>();
        list.path("sessions").forEach(n -> names.add(n.path("name").asText()));
        assertThat(names).containsExactly("watch", "guard");
        assertThat(list.path("sessions").get(0).path("locked").asBoolean()).isTrue();
        sessions.deleteAll();
        assertThat(sessions.list()).isEmpty();
    }

    @Test
    void aRunThatAcceptsButNeverAnswersIsReportedUnresponsiveAtTheDeadline() throws Exception {
        Path socket = tmp.resolve("mute.sock");
        try (UnixSeqpacket _ = UnixSeqpacket.listen(socket, 8)) {
            // Connected, never read: the request sits in the socket buffer, no answer comes.
            Instant start = Instant.now();
            assertThatThrownBy(() -> ControlClient.call(socket, ControlClient.request("info"), Duration.ofMillis(500)))
                    .isInstanceOfSatisfying(ControlException.class, e -> assertThat(e.unresponsive()).isTrue())
                    .hasMessage("the control socket " + socket + " did not answer within 500 ms; it may be stuck: "
                            + "see its stderr, or stop it");
            assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aClientRefusesASocketServedByAnotherProcessThanTheRunsSupervisor() throws Exception {
        Path socket = serve();
        Process other = new ProcessBuilder("sleep", "30").start();
        try {
            RunRecord impostor = new RunRecord("r1", other.pid(), 1, List.of("x"), Instant.now());
            assertThatThrownBy(() -> ControlClient.call(new RuntimeRoot.RunAddress(impostor, socket),
                    ControlClient.request("info"), ControlClient.DEFAULT_TIMEOUT))
                    .hasMessage("refusing to talk to " + socket + ": it is served by pid " + ProcessHandle.current().pid()
                            + " of uid " + RuntimeRoot.currentUid() + ", but run \"r1\" (pid " + other.pid() + ") belongs to pid "
                            + other.pid() + " of uid " + RuntimeRoot.currentUid() + "; the socket is not the run's. "
                            + "Remove the directory " + socket.getParent());
        } finally {
            other.destroyForcibly();
            other.waitFor();
        }
    }
}

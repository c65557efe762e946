package dev.seccheck.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.points.Catalog;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SessionInfo;
import dev.seccheck.session.SessionManager;
import dev.seccheck.sink.SinkRegistry;
import dev.seccheck.state.PointState;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlServerTest {

    @TempDir
    Path tmp;

    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final PointState state = new PointState();
    private final SessionManager sessions = new SessionManager(state, log::add);
    private ControlServer server;
    private Path socket;

    @BeforeEach
    void start() throws Exception {
        socket = tmp.resolve("c.sock");
        RunRecord run = RunRecord.forThisProcess("t1", List.of("sleep", "1"));
        SessionConfigParser parser = new SessionConfigParser(Catalog.standard(), SinkRegistry.discover());
        server = ControlServer.start(socket, new SessionControl(run, sessions, parser,
                () -> List.of((int) ProcessHandle.current().pid()),
                (pid, argv, env, cwd, started) -> { throw new ControlException("exec is not served here"); }), PeerGuard.NONE, log::add);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void createsListsAndDeletesSessionsOfALiveRun() throws Exception {
        ObjectNode create = ControlClient.request("session_create");
        create.put("config", """
                {"name": "watch", "points": [{"name": "syscall/openat/enter"}], "sinks": [{"name": "null"}]}""");
        ControlClient.call(socket, create, ControlClient.DEFAULT_TIMEOUT);

        assertThat(state.enabled(Catalog.standard().byName("syscall/openat/enter").orElseThrow().point())).isTrue();
        JsonNode list = ControlClient.call(socket, ControlClient.request("session_list"), ControlClient.DEFAULT_TIMEOUT);
        assertThat(list.path("sessions").get(0).path("name").asText()).isEqualTo("watch");
        assertThat(list.path("sessions").get(0).path("sinks").get(0).path("name").asText()).isEqualTo("null");
        assertThat(list.path("sessions").get(0).path("sinks").get(0).path("dropped").asLong()).isZero();

        ObjectNode delete = ControlClient.request("session_delete");
        delete.put("name", "watch");
        ControlClient.call(socket, delete, ControlClient.DEFAULT_TIMEOUT);
        assertThat(sessions.list()).isEmpty();
        assertThat(state.enabled(Catalog.standard().byName("syscall/openat/enter").orElseThrow().point())).isFalse();
    }

    @Test
    void passesTheRunsErrorMessageThrough() {
        ObjectNode create = ControlClient.request("session_create");
        create.put("config", "{\"points\": [{\"name\": \"syscall/openat/enter\", \"context_fields\": [\"pid\"]}]}");

        assertThatThrownBy(() -> ControlClient.call(socket, create, ControlClient.DEFAULT_TIMEOUT))
                .isInstanceOf(ControlException.class)
                .hasMessage("points[0].context_fields[0]: unknown context field \"pid\" for point \"syscall/openat/enter\"");
        assertThatThrownBy(() -> ControlClient.call(socket, ControlClient.request("bogus"), ControlClient.DEFAULT_TIMEOUT))
                .hasMessageStartingWith("unknown request \"bogus\" (known: info, session_list");
    }

    /**
     * A request for another run, which reached this one through a runtime directory renamed by a
     * program of the same user, is refused before anything is done; one naming this run, or none
     * (a client of a socket with no run record), is served.
     */
    @Test
    void refusesARequestMeantForAnotherRun() throws Exception {
        ObjectNode create = ControlClient.request("session_create");
        create.put("config", """
                {"name": "guard", "points": [{"name": "syscall/openat/enter"}], "sinks": [{"name": "null"}]}""");
        ControlClient.call(socket, create.deepCopy().put("run", "t1"), ControlClient.DEFAULT_TIMEOUT);
        ObjectNode delete = ControlClient.request("session_delete").put("name", "guard");

        assertThatThrownBy(() -> ControlClient.call(socket, delete.deepCopy().put("run", "other"), ControlClient.DEFAULT_TIMEOUT))
                .isInstanceOf(ControlException.class)
                .hasMessageStartingWith("this is run \"t1\", not \"other\": the runtime directory's entry for that run"
                        + " leads to this one");
        assertThatThrownBy(() -> ControlClient.call(socket, delete.deepCopy().put("run", 7), ControlClient.DEFAULT_TIMEOUT))
                .hasMessageStartingWith("this is run \"t1\", not 7");
        assertThat(sessions.list()).extracting(SessionInfo::name).containsExactly("guard");

        ControlClient.call(socket, delete, ControlClient.DEFAULT_TIMEOUT);
        assertThat(sessions.list()).isEmpty();
    }

    @Test
    void procfsDescribesEachSupervisedProcessAsProcShowsIt() throws Exception {
        JsonNode reply = ControlClient.call(socket, ControlClient.request("procfs"), ControlClient.DEFAULT_TIMEOUT);
        JsonNode self = reply.path("processes").get(0);
        long pid = ProcessHandle.current().pid();

        assertThat(self.path("pid").asLong()).isEqualTo(pid);
        assertThat(self.path("exe").asText()).isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/exe")).toString());
        assertThat(self.path("cwd").asText()).isEqualTo(Path.of("").toAbsolutePath().toString());
        assertThat(self.path("ppid").asLong()).isEqualTo(ProcessHandle.current().parent().orElseThrow().pid());
        assertThat(self.path("args").get(0).asText()).isEqualTo(ProcessHandle.current().info().command().orElseThrow());
        assertThat(self.path("status").path("uid").get(0).asLong()).isEqualTo(RuntimeRoot.currentUid());
        assertThat(self.path("fds").findValuesAsText("path")).anyMatch(p -> p.contains("c.sock") || p.startsWith("socket:"));
        assertThat(self.path("limits").findValuesAsText("name")).contains("Max open files");
        assertThat(self.path("start_time_ns").asLong())
                .isLessThanOrEqualTo(System.currentTimeMillis() * 1_000_000L)
                .isGreaterThan(ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli() * 1_000_000L - 2_000_000_000L);
    }

    @Test
    void refusesAPeerRunningAsAnotherUser() throws Exception {
        assumeTrue(RuntimeRoot.currentUid() == 0, "needs root to connect as another user");
        assumeTrue(new File("/usr/bin/setpriv").canExecute() && new File("/usr/bin/python3").canExecute(),
                "needs /usr/bin/setpriv and /usr/bin/python3");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        String client = "import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect(sys.argv[1]);"
                + " s.sendall(b'{\"op\":\"session_list\"}\\n'); print(s.recv(4096).decode())";
        Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "/usr/bin/python3", "-c", client, socket.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(out).contains("\"ok\":false").contains("permission denied: this run belongs to uid 0, the request comes from uid 65534");
        assertThat(log).anyMatch(l -> l.equals("control socket: \"session_list\" permission denied: this run belongs to uid 0, the request comes from uid 65534"));
    }
}

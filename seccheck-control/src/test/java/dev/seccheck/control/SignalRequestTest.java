package dev.seccheck.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.linux.WaitStatus;
import dev.seccheck.points.Catalog;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SessionManager;
import dev.seccheck.sink.SinkRegistry;
import dev.seccheck.state.PointState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code signal} request reaches the commands {@code exec} runs for the requesting process,
 * and nothing else: another process's request signals nothing, a supervised task's is refused,
 * and a bad signal number is refused naming it. The exec handler here starts a real
 * {@code sleep} and waits for it, as the run's supervisor would.
 */
class SignalRequestTest {

    @TempDir
    Path tmp;

    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final List<Process> commands = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        for (Process p : commands) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Path serve(PeerGuard guard) throws Exception {
        Path socket = tmp.resolve("c.sock");
        RunRecord run = RunRecord.forThisProcess("t1", List.of("sleep", "1"));
        SessionConfigParser parser = new SessionConfigParser(Catalog.standard(), SinkRegistry.discover());
        SessionControl.ExecHandler exec = (pid, argv, env, cwd, started) -> {
            try {
                Process p = new ProcessBuilder(argv).start();
                commands.add(p);
                started.accept((int) p.pid());
                // Java reports a death by signal N as 128+N; the test's command (sleep) exits 0 otherwise.
                int code = p.waitFor();
                return code > 128 ? new WaitStatus.Signaled((int) p.pid(), code - 128, code - 128)
                        : new WaitStatus.Exited((int) p.pid(), code << 8, code);
            } catch (Exception e) {
                throw new ControlException("cannot start " + argv + ": " + e, e);
            }
        };
        closing.add(ControlServer.start(socket, new SessionControl(run, new SessionManager(new PointState(), log::add),
                parser, List::of, exec), guard, log::add, ControlServer.REQUEST_DEADLINE));
        return socket;
    }

    private static ObjectNode signal(int sig) {
        ObjectNode req = ControlClient.request("signal");
        req.put("signal", sig);
        return req;
    }

    /** Starts {@code sleep 60} through an exec request of this process, answered in the future. */
    private CompletableFuture<JsonNode> execSleep(Path socket) {
        ObjectNode req = ControlClient.request("exec");
        req.putArray("argv").add("sleep").add("60");
        return CompletableFuture.supplyAsync(() -> {
            try {
                return ControlClient.call(socket, req, Duration.ofSeconds(30));
            } catch (ControlException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void aSignalReachesTheCommandExecRunsForTheRequestingProcess() throws Exception {
        Path socket = serve(PeerGuard.NONE);
        CompletableFuture<JsonNode> exec = execSleep(socket);
        JsonNode pids = Wire.JSON.createArrayNode();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (pids.isEmpty() && System.nanoTime() < end) {
            pids = ControlClient.call(socket, signal(15), Duration.ofSeconds(10)).path("pids");
            Thread.sleep(10);
        }
        assertThat(pids).hasSize(1);
        assertThat(pids.get(0).asLong()).isEqualTo(commands.getFirst().pid());
        JsonNode ended = exec.get(30, TimeUnit.SECONDS);
        assertThat(ended.path("status").asInt()).as("killed by TERM").isEqualTo(128 + 15);
        assertThat(ended.path("signal").asInt()).as("killed by TERM").isEqualTo(15);
        // Ended: nothing of this client's is left to signal.
        assertThat(ControlClient.call(socket, signal(15), Duration.ofSeconds(10)).path("pids")).isEmpty();
    }

    @Test
    void anotherProcessSignalsNothing() throws Exception {
        Path socket = serve(PeerGuard.NONE);
        CompletableFuture<JsonNode> exec = execSleep(socket);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (commands.isEmpty()) {
            assertThat(System.nanoTime() - end).as("the command started within 30 s").isNegative();
            Thread.sleep(10);
        }
        // Another process of the same user, a Python client, asks for SIGKILL.
        Process other = new ProcessBuilder("/usr/bin/python3", "-c", """
                import json, socket, sys
                s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                s.connect(sys.argv[1])
                s.sendall(b'{"op": "signal", "signal": 9}\\n')
                print(s.recv(65536).decode())
                """, socket.toString()).redirectErrorStream(true).start();
        assertThat(other.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String answer = new String(other.getInputStream().readAllBytes());
        assertThat(answer).contains("\"pids\":[]").contains("\"ok\":true");
        assertThat(commands.getFirst().isAlive()).as("the command is untouched").isTrue();
        assertThat(exec).isNotDone();
    }

    @Test
    void aSupervisedTaskIsRefusedAndABadNumberIsNamed() throws Exception {
        Path refusing = serve(pid -> Optional.of("refused: pid " + pid + " is a task supervised by run t1"));
        assertThatThrownBy(() -> ControlClient.call(refusing, signal(2), Duration.ofSeconds(10)))
                .hasMessageContaining("is a task supervised by run t1");
        closing.removeLast().close();

        Path socket = serve(PeerGuard.NONE);
        assertThatThrownBy(() -> ControlClient.call(socket, signal(0), Duration.ofSeconds(10)))
                .hasMessage("signal: \"signal\" must be a signal number from 1 to 64, got 0");
        ObjectNode text = ControlClient.request("signal");
        text.put("signal", "INT");
        assertThatThrownBy(() -> ControlClient.call(socket, text, Duration.ofSeconds(10)))
                .hasMessageContaining("signal needs \"signal\" (a signal number");
    }
}

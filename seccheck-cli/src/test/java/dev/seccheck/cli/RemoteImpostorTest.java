package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervised program runs as the user seccheck runs as, so it can reach the remote link's
 * socket wherever seccheck can: connect to the monitoring server and send points of its own
 * making, or, once the server is gone, serve the endpoint itself and take the run's points (a
 * trail the README offers as out of the program's reach). Real {@code seccheck server} and
 * {@code seccheck run} processes, with the program as the impostor; every supervised task is
 * ptraced by its supervisor, which neither end of a real link is.
 */
class RemoteImpostorTest {

    private static final String FORGED = "FORGED-BY-THE-PROGRAM";

    /** Connects, handshakes (version 1) and, if answered, sends a container/start whose id is FORGED. */
    private static final String FORGER = """
            import socket, struct, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            try:
                s.connect(sys.argv[1])
            except OSError as e:
                print("connect refused:", e.strerror, flush=True)
                sys.exit(0)
            """ + Forger.SENDS;

    /**
     * As {@link #FORGER}, on a socket connected to the server by another process, which hands it
     * over (SCM_RIGHTS) on the unix stream socket {@code argv[1]}.
     */
    private static final String HANDED_FORGER = """
            import socket, struct, sys
            b = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            b.connect(sys.argv[1])
            _, fds, _, _ = socket.recv_fds(b, 1, 1)
            s = socket.socket(fileno=fds[0])
            """ + Forger.SENDS;

    /** Connects to the server at {@code argv[2]} and hands the socket to whoever connects to {@code argv[1]}. */
    private static final String BROKER = """
            import socket, sys
            b = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            b.bind(sys.argv[1])
            b.listen(1)
            print("ready", flush=True)
            c, _ = b.accept()
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.connect(sys.argv[2])
            socket.send_fds(c, [b"x"], [s.fileno()])
            s.close()
            c.recv(1)
            """;

    /** What the forgers do with their socket. */
    private static final class Forger {
        static final String SENDS = """
            s.settimeout(10)
            try:
                s.send(b"\\x08\\x01")
                answer = s.recv(64)
            except OSError:
                answer = b""
            if answer:
                ident = b"%s"
                s.send(struct.pack("<HHI", 8, 1, 0) + b"\\x12" + bytes([len(ident)]) + ident)
            print("handshake answered" if answer else "handshake refused", flush=True)
            s.close()
            """.formatted(FORGED);
    }

    @TempDir
    Path dir;

    /**
     * The program handshakes with the server and sends a forged container start. Natively the
     * server takes it (so the test cannot pass vacuously); from the supervised program it is
     * refused before anything is read, while the run's own points arrive.
     */
    @Test
    void aSupervisedProgramCannotPoseAsASandboxToTheServer() throws Exception {
        String log = forge("", "handshake refused\n");
        assertThat(log).containsPattern("client-0003 refused: the client is pid \\d+, which is ptraced by task \\d+");
    }

    /**
     * While a session has a connect point, seccheck performs the program's connects itself, and the
     * server sees seccheck's pid, which is not traced. The run then refuses to connect the program
     * to a seccheck server at all (before, the forged start reached the server's output).
     */
    @Test
    void aSupervisedProgramCannotPoseAsASandboxThroughAConnectSeccheckPerforms() throws Exception {
        forge(", {\"name\": \"syscall/connect/enter\"}", "connect refused: Operation not permitted\n");
    }

    /**
     * The client the kernel names for a connection (SO_PEERCRED) is who connected; who writes on
     * it can be another process: where seccheck performs a program's connect and then refuses it
     * (the peer a server of seccheck's), a second thread of the program wrote on the socket in
     * between, and the server saw seccheck, not traced, as its client. Made here deterministic: a
     * process outside the run connects and hands the socket to the supervised program, whose
     * handshake and points the server took. Now the server asks who sent the handshake
     * (SCM_CREDENTIALS, recorded by the kernel at each send) and refuses a traced sender.
     * Natively (nothing traced) it takes the points.
     */
    @Test
    void aHandshakeSentByASupervisedProgramOnAnotherProcesssConnectionIsRefused() throws Exception {
        Path sock = dir.resolve("s");
        Path out = dir.resolve("out.txt");
        Path serverLog = dir.resolve("server.log");
        Path forger = Files.writeString(dir.resolve("handed.py"), HANDED_FORGER);
        Path broker = Files.writeString(dir.resolve("broker.py"), BROKER);
        Process server = listening(serverLog, "server", "--endpoint", sock.toString(), "--format", "text", "--out",
                out.toString());
        try {
            for (boolean supervised : new boolean[] {false, true}) {
                Path handOver = dir.resolve(supervised ? "b2" : "b1");
                Path brokerLog = dir.resolve(supervised ? "b2.log" : "b1.log");
                Process b = new ProcessBuilder("/usr/bin/python3", broker.toString(), handOver.toString(), sock.toString())
                        .redirectErrorStream(true).redirectOutput(brokerLog.toFile()).start();
                try {
                    ServerCommandTest.awaitLine(brokerLog, "ready", b);
                    List<String> run = new java.util.ArrayList<>();
                    if (supervised) {
                        run.addAll(PackagedCli.java(System.getProperty("java.class.path")));
                        run.addAll(List.of("run", "--quiet", "-o", "/dev/null", "--"));
                    }
                    run.addAll(List.of("/usr/bin/python3", forger.toString(), handOver.toString()));
                    ProcessResult r = ProcessResult.of(run, dir, 120);
                    assertThat(r.out()).as(supervised ? "supervised" : "natively")
                            .contains(supervised ? "handshake refused" : "handshake answered");
                } finally {
                    b.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            ServerCommandTest.awaitLine(serverLog, "client-0002 refused", server);
        } finally {
            server.destroy();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Files.readString(out).split(FORGED, -1)).as("the forged start, natively only").hasSize(2);
        assertThat(Files.readString(serverLog)).containsPattern(
                "client-0002 refused: the client's handshake was sent by pid \\d+, which is ptraced by task \\d+");
    }

    /**
     * {@code tracereplay save} serves the same protocol and keeps what it takes as a trail to
     * replay: it did not name itself, so a connect seccheck performed reached it, and the forged
     * start was saved (and shown by the server it was replayed to). Natively it is saved.
     */
    @Test
    void aSupervisedProgramCannotPoseAsASandboxToTraceReplaySave() throws Exception {
        Path sock = dir.resolve("save.sock");
        Path saved = dir.resolve("saved");
        Path saverLog = dir.resolve("save.log");
        Path forger = Files.writeString(dir.resolve("forge.py"), FORGER);
        Process saver = listening(saverLog, "tracereplay", "save", "--endpoint", sock.toString(), "--out", saved.toString());
        try {
            ProcessResult natively = ProcessResult.of(List.of("/usr/bin/python3", forger.toString(), sock.toString()), dir, 60);
            assertThat(natively.out()).isEqualTo("handshake answered\n");
            ServerCommandTest.awaitLine(saverLog, "client-0001 disconnected", saver);
            Path config = Files.writeString(dir.resolve("connects.json"), """
                    {"name": "connects", "points": [{"name": "syscall/connect/enter"}],
                     "sinks": [{"name": "null"}]}""");
            List<String> run = PackagedCli.java(System.getProperty("java.class.path"));
            run.addAll(List.of("run", "--quiet", "--config", config.toString(), "--",
                    "/usr/bin/python3", forger.toString(), sock.toString()));
            ProcessResult supervised = ProcessResult.of(run, dir, 120);
            assertThat(supervised.out()).contains("connect refused: Operation not permitted\n", "refused connect");
        } finally {
            saver.destroy();
            assertThat(saver.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        try (var files = Files.list(saved)) {
            assertThat(files.map(f -> f.getFileName().toString()).toList()).as("natively one trail is saved")
                    .containsExactly("client-0001");
        }
    }

    /** Starts {@code seccheck ARGS} (a server, a saver), its output in {@code log}, and returns it once it listens. */
    private static Process listening(Path log, String... args) throws Exception {
        List<String> cmd = PackagedCli.java(System.getProperty("java.class.path"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            ServerCommandTest.awaitLine(log, "listening on", p);
        } catch (Exception | AssertionError e) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw e;
        }
        return p;
    }

    /**
     * Runs the forger natively, then under a run whose session has {@code points} beside
     * container/start and a remote sink to the same server; returns the server's log.
     */
    private String forge(String points, String supervisedOut) throws Exception {
        Path sock = dir.resolve("s");
        Path out = dir.resolve("out.txt");
        Path serverLog = dir.resolve("server.log");
        Path forger = Files.writeString(dir.resolve("forge.py"), FORGER);
        Path config = Files.writeString(dir.resolve("remote.json"), """
                {"name": "to-server", "points": [{"name": "container/start"}%s],
                 "sinks": [{"name": "remote", "config": {"endpoint": "%s"}}]}""".formatted(points, sock));
        Process server = listening(serverLog, "server", "--endpoint", sock.toString(), "--format", "text", "--out",
                out.toString());
        ProcessResult supervised;
        try {

            ProcessResult natively = ProcessResult.of(List.of("/usr/bin/python3", forger.toString(), sock.toString()), dir, 60);
            assertThat(natively.out()).isEqualTo("handshake answered\n");
            ServerCommandTest.awaitLine(serverLog, "client-0001 disconnected", server);
            assertThat(Files.readString(out)).as("natively the server takes the program's points").contains(FORGED);

            List<String> run = PackagedCli.java(System.getProperty("java.class.path"));
            run.addAll(List.of("run", "--quiet", "--id", "real-run", "--config", config.toString(), "--",
                    "/usr/bin/python3", forger.toString(), sock.toString()));
            supervised = ProcessResult.of(run, dir, 120);
            assertThat(supervised.code()).as(supervised.out()).isZero();
            assertThat(supervised.out()).contains(supervisedOut);
            // client-0002 is the run's own sink, connected before its program started; client-0003 the program.
            ServerCommandTest.awaitLine(serverLog, "client-0002 disconnected", server);
        } finally {
            server.destroy();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        String pointsOut = Files.readString(out);
        assertThat(pointsOut.split(FORGED, -1)).as("the forged start, natively only, in %s", pointsOut).hasSize(2);
        assertThat(pointsOut).as("the run's own points still arrive").contains("real-run");
        return Files.readString(serverLog);
    }

    /**
     * Python: answers an accepted connection as a server would: None when the client sent no
     * handshake, else how many bytes of points followed ours.
     */
    private static final String ANSWER = """
            def answer(c):
                c.settimeout(5)
                try:
                    hello = c.recv(64)
                except OSError:
                    hello = b""
                if not hello:
                    return None
                c.send(b"\\x08\\x01")
                try:
                    return len(c.recv(65536))
                except OSError:
                    return 0
            """;

    /**
     * Waits for the server's socket to go, binds the endpoint itself, and runs /bin/true (points
     * whose send fails take the link down) until the sink reconnects to it or 10 s pass.
     */
    private static final String SERVER_IMPOSTOR = ANSWER + """
            import os, socket, subprocess, sys, time
            path = sys.argv[1]
            deadline = time.time() + 30
            while os.path.exists(path) and time.time() < deadline:
                time.sleep(0.05)
            srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            srv.bind(path)
            try:
                srv.listen(8)
            except PermissionError:
                print("the impostor's listen was refused", flush=True)
                sys.exit(0)
            srv.settimeout(0.5)
            outcome = "nothing connected to the impostor"
            end = time.time() + 10
            while time.time() < end:
                subprocess.run(["/bin/true"])
                try:
                    c, _ = srv.accept()
                except socket.timeout:
                    continue
                n = answer(c)
                outcome = ("the sink reached the impostor and left before any handshake" if n is None
                           else "the impostor got the handshake and %d bytes of points" % n)
                break
            print(outcome, flush=True)
            """;

    /**
     * The server goes away during the run; the program binds the endpoint in its place. The
     * sink's reconnection reaches the program, finds it ptraced, and leaves without sending a byte.
     */
    @Test
    void aSupervisedProgramCannotPoseAsTheServer() throws Exception {
        poseAsTheServer("", "the sink reached the impostor and left before any handshake");
    }

    /**
     * As {@link #aSupervisedProgramCannotPoseAsTheServer}, while a sink decides at bind's points:
     * seccheck then makes the program's listen, and the kernel gives the listener as the run
     * itself, which is not traced. The sink found an untraced server and sent it the run's points
     * (before); now the run refuses its program a listen at its sink's endpoint (another run's
     * program would be refused by the sink: a server named seccheck-run is a listen made for one).
     */
    @Test
    void aSupervisedProgramCannotPoseAsTheServerThroughAListenSeccheckMakes() throws Exception {
        poseAsTheServer("""
                , {"name": "policy", "config": {"rules": [{"name": "nobind", "effect": "bind_network",
                   "match": {"family": "AF_INET", "port": 40198}, "action": "deny"}]}}""",
                "the impostor's listen was refused");
    }

    /**
     * The server goes away and the program, under a session with the remote sink and {@code moreSinks},
     * takes its place; the impostor then prints {@code outcome}, and gets no point.
     */
    private void poseAsTheServer(String moreSinks, String outcome) throws Exception {
        Path sock = dir.resolve("s");
        Path serverLog = dir.resolve("server.log");
        Path impostor = Files.writeString(dir.resolve("impostor.py"), SERVER_IMPOSTOR);
        Path config = Files.writeString(dir.resolve("remote.json"), """
                {"name": "to-server", "points": [{"name": "container/start"}, {"name": "sentry/execve"}%s],
                 "sinks": [{"name": "remote", "config": {"endpoint": "%s"}}%s]}""".formatted(
                moreSinks.isEmpty() ? "" : ", {\"name\": \"syscall/bind/enter\"}", sock, moreSinks));
        List<String> cmd = PackagedCli.java(System.getProperty("java.class.path"));
        cmd.addAll(List.of("server", "--endpoint", sock.toString(), "--format", "text", "--out", dir.resolve("out").toString()));
        Process server = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(serverLog.toFile()).start();
        Path runOut = dir.resolve("run.out");
        Process run = null;
        try {
            ServerCommandTest.awaitLine(serverLog, "listening on", server);
            List<String> runCmd = PackagedCli.java(System.getProperty("java.class.path"));
            runCmd.addAll(List.of("run", "--quiet", "--config", config.toString(), "--",
                    "/usr/bin/python3", impostor.toString(), sock.toString()));
            run = new ProcessBuilder(runCmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(runOut.toFile()).start();
            ServerCommandTest.awaitLine(serverLog, "client-0001 connected", server);
        } finally {
            server.destroy();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(run.waitFor(90, TimeUnit.SECONDS)).as("the run ended").isTrue();
        String out = Files.readString(runOut);
        assertThat(run.exitValue()).as(out).isZero();
        assertThat(out).contains(outcome).doesNotContain("the impostor got");
    }

    /**
     * As {@link #SERVER_IMPOSTOR}, but the endpoint is bound and listened on by a child that hands
     * the listening socket to its parent and exits; the parent then waits for a file, while a
     * process outside the run takes the child's pid, and answers every connection of the next 5 s.
     */
    private static final String HANDED_OFF_IMPOSTOR = ANSWER + """
            import os, socket, subprocess, sys, time
            path, d = sys.argv[1:3]
            deadline = time.time() + 30
            while os.path.exists(path) and time.time() < deadline:
                time.sleep(0.05)
            a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
            child = os.fork()
            if child == 0:
                srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                srv.bind(path)
                srv.listen(8)
                socket.send_fds(a, [b"x"], [srv.fileno()])
                os._exit(0)
            os.waitpid(child, 0)
            _, fds, _, _ = socket.recv_fds(b, 1, 1)
            srv = socket.socket(fileno=fds[0])
            with open(d + "/child.tmp", "w") as f:
                f.write(str(child))
            os.rename(d + "/child.tmp", d + "/child")
            while not os.path.exists(d + "/go") and time.time() < deadline:
                time.sleep(0.02)
            # The sink retries in the background: what connected while the child lived is not the point.
            srv.setblocking(False)
            while True:
                try:
                    srv.accept()[0].close()
                except BlockingIOError:
                    break
            srv.settimeout(0.5)
            tries, handshakes = 0, []
            end = time.time() + 5
            while time.time() < end:
                subprocess.run(["/bin/true"])
                try:
                    c, _ = srv.accept()
                except socket.timeout:
                    continue
                tries += 1
                n = answer(c)
                if n is not None:
                    handshakes.append(n)
                c.close()
            print("the sink reached the impostor %d times" % tries, flush=True)
            for n in handshakes:
                print("the impostor got the handshake and %d bytes of points" % n, flush=True)
            """;

    /**
     * The program listens on the endpoint from a child that exits, and waits until a process
     * outside the run (not traced) holds the child's pid, which the kernel still gives as the
     * server's. On a host the program would cycle the pids and wait for one of the user's processes
     * to take that number; here a pid namespace of the test's own gives it to a {@code sleep}.
     * Before, the sink found that pid untraced and sent the run's points to the program.
     */
    @Test
    void aSupervisedProgramCannotPoseAsTheServerFromAPidItLeft() throws Exception {
        PidHandoff.assumeRoot();
        Path sock = dir.resolve("s");
        Path serverLog = dir.resolve("server.log");
        Path runOut = dir.resolve("run.out");
        Path handoff = Files.createDirectories(dir.resolve("handoff"));
        Path impostor = Files.writeString(dir.resolve("impostor.py"), HANDED_OFF_IMPOSTOR);
        Path config = Files.writeString(dir.resolve("remote.json"), """
                {"name": "to-server", "points": [{"name": "container/start"}, {"name": "sentry/execve"}],
                 "sinks": [{"name": "remote", "config": {"endpoint": "%s"}}]}""".formatted(sock));
        String cli = String.join(" ", PackagedCli.java(System.getProperty("java.class.path")));
        PidHandoff.run(handoff, List.of(
                cli + " server --endpoint " + sock + " --format text --out " + dir.resolve("out") + " > " + serverLog
                        + " 2>&1 &",
                "server=$!",
                "await() { i=0; until grep -q \"$1\" " + serverLog + "; do sleep 0.05; i=$((i + 1));"
                        + " [ $i -gt 1200 ] && return 1; done; }",
                "await 'listening on'",
                cli + " run --quiet --config " + config + " -- /usr/bin/python3 " + impostor + " " + sock + " "
                        + handoff + " > " + runOut + " 2>&1 &",
                "run=$!",
                "await 'client-0001 connected'",
                "kill $server; wait $server"), 150);
        String out = Files.readString(runOut);

        assertThat(out).as(out).containsPattern("the sink reached the impostor [1-9]\\d* times")
                .doesNotContain("the impostor got");
    }
}

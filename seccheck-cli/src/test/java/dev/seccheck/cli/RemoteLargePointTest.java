package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One point larger than the remote link's socket takes drops that point only. A child execs
 * /bin/true with 1.2 MB of environment ({@code big_exec.c}): its sentry/execve message fails
 * with EMSGSIZE. Before, the sink took that for a lost server: it reconnected 50 ms later and
 * dropped every point until then, so the parent's open of a file right after never reached the
 * server, and the server's count of drops said 0. Now the link stays, the open arrives, and the
 * next header carries the drop; with {@code on_drop: deny} the exec whose point was dropped
 * is stopped, and the log says why (not "the server is gone"). Natively the exec and the read succeed.
 */
class RemoteLargePointTest {

    @TempDir
    Path tmp;

    @Test
    void aPointTooLargeForTheSocketIsDroppedAloneAndCounted() throws Exception {
        largePoint(tmp, null);
    }

    /** The same with seccheck, its server and its program unprivileged (uid 65534). */
    @Test
    void aPointTooLargeForTheSocketIsDroppedAloneAndCountedUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        largePoint(PackagedCli.nobodysDir(tmp.resolve("u")), classpath);
    }

    private void largePoint(Path base, String nobodysClasspath) throws Exception {
        Path program = CPrograms.compile("src/test/c/big_exec.c", base);
        Path secret = Files.writeString(base.resolve("secret"), "TOPSECRET\n");
        List<String> command = List.of(program.toString(), "10", secret.toString());
        ProcessResult natively = ProcessResult.of(nobodysClasspath != null
                ? PackagedCli.nobody(command.toArray(String[]::new)) : command, base, 60);
        assertThat(natively.out()).isEqualTo("child exited 0\nread: TOPSECRET\n");

        Path sock = base.resolve("mon.sock");
        Path out = base.resolve("server.txt");
        Path serverLog = base.resolve("server.err");
        List<String> server = new ArrayList<>(cli(nobodysClasspath));
        server.addAll(List.of("server", "--endpoint", sock.toString(), "--format", "text", "--out", out.toString()));
        Process p = new ProcessBuilder(server).directory(base.toFile()).redirectErrorStream(true)
                .redirectOutput(serverLog.toFile()).start();
        try {
            ServerCommandTest.awaitLine(serverLog, "listening on", p);
            ProcessResult counted = run(base, nobodysClasspath, config(base, sock, "count"), command);
            assertThat(counted.out()).as(counted.out()).contains("child exited 0\nread: TOPSECRET\n");
            ServerCommandTest.awaitLine(serverLog, "disconnected", p);
            assertThat(Files.readString(out)).as("the open after the dropped exec reached the server")
                    .contains(secret.toString());
            assertThat(Files.readString(serverLog)).as("the server was told of the drop").contains("dropped=1");

            ProcessResult denied = run(base, nobodysClasspath, config(base, sock, "deny"), command);
            // The exec is stopped (its new program killed, as a denied exec is when seccheck learns
            // of it after the point of no return); the open after it is delivered and allowed.
            assertThat(denied.out()).as(denied.out()).doesNotContain("child exited 0").contains("read: TOPSECRET\n")
                    .contains("(a message of ").contains("bytes was refused: EMSGSIZE")
                    .doesNotContain("the server is gone");
        } finally {
            p.destroy();
            ProcessResult.end(p, 10);
        }
    }

    /** A session sending the exec and open points to {@code sock}, with {@code onDrop}. */
    private static Path config(Path base, Path sock, String onDrop) throws Exception {
        return Files.writeString(base.resolve(onDrop + ".json"), """
                {"name": "monitor", "points": [
                   {"name": "sentry/execve", "context_fields": ["process_name"]},
                   {"name": "syscall/openat/enter", "context_fields": ["process_name"]}],
                 "sinks": [{"name": "remote", "config": {"endpoint": "%s", "on_drop": "%s"}}]}"""
                .formatted(sock, onDrop));
    }

    private static ProcessResult run(Path base, String nobodysClasspath, Path config, List<String> command) throws Exception {
        List<String> cmd = new ArrayList<>(cli(nobodysClasspath));
        cmd.addAll(List.of("run", "--quiet", "--root", base.resolve("root").toString(), "--config", config.toString(), "--"));
        cmd.addAll(command);
        return ProcessResult.of(cmd, base, 60);
    }

    /** The CLI's JVM command line: as uid 65534 from {@code nobodysClasspath}, or this JVM's class path when null. */
    private static List<String> cli(String nobodysClasspath) {
        return nobodysClasspath != null ? PackagedCli.asNobody(nobodysClasspath)
                : PackagedCli.java(System.getProperty("java.class.path"));
    }
}

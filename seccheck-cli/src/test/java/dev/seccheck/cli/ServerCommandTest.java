package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code seccheck server} and {@code seccheck tracereplay} as real processes on real sockets. */
class ServerCommandTest {

    /** Holds the socket, the logs and the outputs; JUnit's /tmp/junit<digits> is short enough for sun_path. */
    @TempDir
    Path dir;

    static Path fixture() {
        for (Path p = Path.of("").toAbsolutePath(); p.getParent() != null; p = p.getParent()) {
            Path f = p.resolveSibling("shared").resolve("fixtures").resolve("gvisor-runsc-echo-123.trace");
            if (Files.isRegularFile(f)) {
                return f;
            }
        }
        throw new AssertionError("fixture gvisor-runsc-echo-123.trace not found in ../shared/fixtures beside the"
                + " repository (looked upward from " + Path.of("").toAbsolutePath() + ")");
    }

    static Process seccheck(Path dir, String... args) throws Exception {
        List<String> cmd = PackagedCli.java(System.getProperty("java.class.path"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(dir.resolve("stderr").toFile()).start();
    }

    /** Waits (30 s at most) for a line of the server, e.g. "listening": the socket exists from then on. */
    static void awaitLine(Path file, String text, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(file) || !Files.readString(file).contains(text)) {
            String stderr = Files.exists(file) ? Files.readString(file) : "";
            assertThat(p.isAlive()).as("process alive, stderr: %s", stderr).isTrue();
            assertThat(System.nanoTime() - deadline).as("\"%s\" within 30 s, stderr: %s", text, stderr).isNegative();
            Thread.onSpinWait();
        }
    }

    /** Replays the fixture trace to {@code listener} at {@code sock} once it listens, and waits until it saw the end. */
    private void replayFixtureTo(Process listener, Path sock) throws Exception {
        awaitLine(dir.resolve("stderr"), "listening on", listener);
        assertThat(Main.execute("tracereplay", "replay", "--endpoint", sock.toString(), "--in",
                fixture().toString())).isZero();
        awaitLine(dir.resolve("stderr"), "disconnected", listener);
    }

    @Test
    void fixtureEndToEndThroughJsonServerAndCleanSigterm() throws Exception {
        Path sock = dir.resolve("s");
        Path out = dir.resolve("out.json");
        Process server = seccheck(dir, "server", "--endpoint", sock.toString(), "--format", "json", "--out", out.toString());
        try {
            replayFixtureTo(server, sock);
        } finally {
            server.destroy(); // SIGTERM
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(sock).doesNotExist();
        assertThat(Files.readString(dir.resolve("stderr")))
                .contains("client-0001 disconnected: messages=10 unknown=0 malformed=0 dropped=0");
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String l : Files.readAllLines(out)) {
            lines.add(json.readTree(l));
        }
        assertThat(lines).hasSize(10);
        assertThat(lines).allSatisfy(n -> {
            assertThat(n.path("client").asInt()).isEqualTo(1);
            assertThat(n.path("dropped").asInt()).isZero();
        });
        // The text sink's JSON lines (docs/json.md): point names, decoded fields, the result beside them.
        assertThat(lines.getFirst().path("type").asText()).isEqualTo("MESSAGE_CONTAINER_START");
        assertThat(lines.getFirst().path("point").asText()).isEqualTo("container/start");
        assertThat(lines.getFirst().path("fields").path("args").toString()).isEqualTo("[\"echo\",\"123\"]");
        assertThat(lines).filteredOn(n -> n.path("type").asText().equals("MESSAGE_SYSCALL_OPEN")).hasSize(4);
        assertThat(lines.get(1).path("point").asText()).isEqualTo("syscall/openat/enter");
        assertThat(lines.get(2).path("point").asText()).isEqualTo("syscall/openat/exit");
        assertThat(lines.get(2).path("fields").path("pathname").asText()).isEqualTo("/etc/ld.so.cache");
        assertThat(lines.get(2).path("fields").path("flags_names").asText()).isEqualTo("O_RDONLY|O_CLOEXEC");
        assertThat(lines.get(2).path("result").asLong()).isEqualTo(3);
        assertThat(lines.getLast().path("type").asText()).isEqualTo("MESSAGE_SENTRY_TASK_EXIT");
        assertThat(lines.getLast().path("point").asText()).isEqualTo("sentry/task_exit");
    }

    /**
     * QUIT ends the server as TERM does, with 128+3: the trail on its stdout (a JSON server without
     * --out) holds the messages' lines alone. Before, HotSpot printed a thread dump of some 120
     * lines into that trail and the server ran on; so did {@code tracereplay save}, into its stdout.
     */
    @Test
    void aQuitEndsTheServerWithItsTrailWholeAndNoThreadDump() throws Exception {
        Path sock = dir.resolve("s");
        Path out = dir.resolve("stdout.json");
        List<String> cmd = PackagedCli.java(System.getProperty("java.class.path"));
        cmd.addAll(List.of("server", "--endpoint", sock.toString(), "--format", "json"));
        Process server = new ProcessBuilder(cmd).redirectOutput(out.toFile())
                .redirectError(dir.resolve("stderr").toFile()).start();
        try {
            replayFixtureTo(server, sock);
            quit(server);
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).as("the server ended on QUIT").isTrue();
        } finally {
            server.destroyForcibly();
        }
        assertThat(server.exitValue()).as("exit status").isEqualTo(128 + 3);
        assertThat(sock).doesNotExist();
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).as("stdout").noneMatch(l -> l.contains("thread dump")).hasSize(10);
        ObjectMapper json = new ObjectMapper();
        for (String l : lines) {
            assertThat(json.readTree(l).path("client").asInt()).as(l).isEqualTo(1);
        }
        assertThat(Files.readString(dir.resolve("stderr"))).as("stderr").doesNotContain("thread dump");

        Path saved = dir.resolve("saved");
        Path saveOut = dir.resolve("save.stdout");
        Files.delete(dir.resolve("stderr"));
        cmd = PackagedCli.java(System.getProperty("java.class.path"));
        cmd.addAll(List.of("tracereplay", "save", "--endpoint", sock.toString(), "--out", saved.toString()));
        Process save = new ProcessBuilder(cmd).redirectOutput(saveOut.toFile())
                .redirectError(dir.resolve("stderr").toFile()).start();
        try {
            replayFixtureTo(save, sock);
            quit(save);
            assertThat(save.waitFor(30, TimeUnit.SECONDS)).as("tracereplay save ended on QUIT").isTrue();
        } finally {
            save.destroyForcibly();
        }
        assertThat(save.exitValue()).as("exit status").isEqualTo(128 + 3);
        assertThat(Files.readString(saveOut)).as("stdout of tracereplay save").isEmpty();
        assertThat(Files.readAllBytes(saved.resolve("client-0001"))).isEqualTo(Files.readAllBytes(fixture()));
        assertThat(sock).doesNotExist();
    }

    private static void quit(Process p) throws Exception {
        Process kill = new ProcessBuilder("kill", "-QUIT", Long.toString(p.pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    @Test
    void saveThenReplayIsByteIdentical() throws Exception {
        Path sock = dir.resolve("s");
        Process save = seccheck(dir, "tracereplay", "save", "--endpoint", sock.toString(), "--out",
                dir.resolve("saved").toString());
        try {
            replayFixtureTo(save, sock);
        } finally {
            save.destroy();
            assertThat(save.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Files.readAllBytes(dir.resolve("saved").resolve("client-0001")))
                .isEqualTo(Files.readAllBytes(fixture()));
        assertThat(sock).doesNotExist();
    }

    @Test
    void badArgumentsAndFilesAreClearErrors() throws Exception {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
                assertThat(Main.execute("server", "--endpoint", dir.resolve("s").toString(), "--format", "xml")).isEqualTo(2);
            assertThat(err.toString()).contains("--format: must be text or json, got \"xml\"");
            // Both sources named: one was silently ignored before.
            assertThat(Main.execute("server", "--endpoint", dir.resolve("s").toString(), "--kafka", "127.0.0.1:9",
                    "--topic", "t")).isEqualTo(2);
            assertThat(err.toString()).contains("give either --endpoint PATH or --kafka BOOTSTRAP, not both");
            Path bad = dir.resolve("bad.trace");
            Files.writeString(bad, "hello");
            assertThat(Main.execute("tracereplay", "replay", "--endpoint", dir.resolve("s").toString(), "--in",
                    bad.toString())).isEqualTo(1);
            assertThat(err.toString()).contains(bad + ": not a trace file: the signature is not \"tracereplay file\"");
            assertThat(Main.execute("tracereplay", "replay", "--endpoint", dir.resolve("s").toString(), "--in",
                    fixture().toString())).isEqualTo(1);
            assertThat(err.toString()).contains("connect(" + dir.resolve("s") + "): ENOENT");
        } finally {
            System.setErr(saved);
        }
    }
}

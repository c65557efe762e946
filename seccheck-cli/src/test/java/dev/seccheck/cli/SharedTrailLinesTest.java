package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Several writers of seccheck's on one trail file, with no full disk and no lock holder: each
 * line must stay a line of its own. Before, a policy alert on the file of {@code -o} landed in the
 * middle of a call line ({@code openat(AT_FDCWD, "/etc/shadow", O_RDONLY{"time":...}), as did two
 * text sinks of one run (each sink had a stream of its own, which did not end the other's open
 * line); two runs' {@code -o} glued halves of call lines (the enter and its result were two
 * writes, each under the lock alone); and {@code server --out} glued its JSON lines to a run's
 * {@code -o} (println was a write of the line and another of its newline). seccheck runs as root
 * and as uid 65534.
 */
class SharedTrailLinesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A strace-like line of the shell's openat: whole, ended as unfinished, or resumed. */
    private static final Pattern CALL_LINE = Pattern.compile(
            "^\\d+(/\\d+)? \\S+ (openat\\([^()]*\\) = .+|openat\\([^()]* <unfinished \\.\\.\\.>|<\\.\\.\\. openat resumed>\\) = .+)$");
    /** {@link #CALL_LINE} of a session that collects no id or name of the task: no prefix. */
    private static final Pattern UNNAMED_CALL_LINE = Pattern.compile(
            "^(openat\\([^()]*\\) = .+|openat\\([^()]* <unfinished \\.\\.\\.>|<\\.\\.\\. openat resumed>\\) = .+)$");
    /** Opens 300 names that do not exist: 300 call lines. */
    private static final String OPENS = "exec 2>/dev/null; i=0; while [ $i -lt 300 ]; do true < /nonexistent-$i; i=$((i+1)); done; ";

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aPolicyAlertOnTheFileOfTheCallLinesIsALineOfItsOwn(boolean nobody) throws Exception {
        open(nobody);
        Path trail = tmp.resolve("trail.txt");
        Path config = config("guard.json", """
                {"name": "guard",
                 "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"],
                             "context_fields": ["process_name", "group_id"]}],
                 "sinks": [{"name": "policy", "config": {"path": "%s", "rules": [
                   {"point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "/etc/shadow*"}},
                    "action": "deny", "errno": "EACCES"}]}}]}""".formatted(trail));
        ProcessResult r = ProcessResult.of(cli(nobody, "run", "--quiet", "--root", root(nobody), "--config",
                config.toString(), "-e", "trace=openat", "-o", trail.toString(), "--", "/bin/sh", "-c",
                "exec 2>/dev/null; i=0; while [ $i -lt 100 ]; do true < /etc/shadow; true < /etc/hostname; i=$((i+1)); done"),
                tmp, 120);
        assertThat(r.code()).as(r.out()).isZero();

        List<String> lines = Files.readAllLines(trail);
        List<String> alerts = lines.stream().filter(l -> l.contains("\"alert\"")).toList();
        assertThat(alerts).as("an alert per open of /etc/shadow").hasSize(100);
        assertThat(alerts).as("alerts glued into a call line").allSatisfy(a -> assertThat(a).startsWith("{\"time\""))
                .allSatisfy(a -> assertThat(JSON.readTree(a).path("alert").asText()).isEqualTo("seccheck policy"));
        assertThat(broken(lines.stream().filter(l -> !l.contains("\"alert\"")).toList()))
                .as("call lines that are not whole").isEmpty();
    }

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void twoTextSinksOfOneRunOnOneFileWriteWholeLines(boolean nobody) throws Exception {
        open(nobody);
        Path trail = tmp.resolve("two.txt");
        Path config = config("second.json", """
                {"name": "second",
                 "points": [{"name": "syscall/openat/enter", "context_fields": ["thread_id", "process_name"]},
                            {"name": "syscall/openat/exit", "context_fields": ["thread_id", "process_name"]}],
                 "sinks": [{"name": "text", "config": {"path": "%s"}}]}""".formatted(trail));
        ProcessResult r = ProcessResult.of(cli(nobody, "run", "--quiet", "--root", root(nobody), "--config",
                config.toString(), "-e", "trace=openat", "-o", trail.toString(), "--", "/bin/sh", "-c", OPENS), tmp, 120);
        assertThat(r.code()).as(r.out()).isZero();

        List<String> lines = Files.readAllLines(trail);
        assertThat(opens(lines)).as("opens in the lines, two sinks' each").isGreaterThanOrEqualTo(600);
        assertThat(broken(lines)).as("call lines that are not whole").isEmpty();
    }

    /**
     * The same, in a session that collects no id of the task (no context field, as gVisor's minimal
     * sessions): the lines have no prefix, and each still stands alone. Before, a line of a task
     * with no id looked closed the moment it was opened (its task's -1 was also "no line open"), so
     * every call line of the two sinks came out glued: {@code openat(...openat(...<... openat resumed>)}.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void twoTextSinksOfASessionWithNoIdsWriteWholeLines(boolean nobody) throws Exception {
        open(nobody);
        Path trail = tmp.resolve("noids.txt");
        Path config = config("noids.json", """
                {"name": "noids",
                 "points": [{"name": "syscall/openat/enter"}, {"name": "syscall/openat/exit"}],
                 "sinks": [{"name": "text", "config": {"path": "%1$s"}}, {"name": "text", "config": {"path": "%1$s"}}]}"""
                .formatted(trail));
        ProcessResult r = ProcessResult.of(cli(nobody, "run", "--quiet", "--root", root(nobody), "--config",
                config.toString(), "--", "/bin/sh", "-c", OPENS), tmp, 120);
        assertThat(r.code()).as(r.out()).isZero();

        List<String> lines = Files.readAllLines(trail);
        assertThat(opens(lines)).as("opens in the lines, two sinks' each").isGreaterThanOrEqualTo(600);
        assertThat(lines.stream().filter(l -> !UNNAMED_CALL_LINE.matcher(l).matches()
                || l.indexOf("openat") != l.lastIndexOf("openat")).limit(20).toList())
                .as("call lines that are not whole").isEmpty();
    }

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void twoRunsSharingOneTrailWriteWholeCallLines(boolean nobody) throws Exception {
        open(nobody);
        List<String> broken = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            Path trail = tmp.resolve("trail" + round + ".txt");
            Files.writeString(trail, "");
            Files.setPosixFilePermissions(trail, PosixFilePermissions.fromString("rw-rw-rw-"));
            List<Process> runs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                runs.add(new ProcessBuilder(cli(nobody, "run", "--quiet", "--root", root(nobody) + round + i, "-e",
                        "trace=openat", "-o", trail.toString(), "--", "/bin/sh", "-c", OPENS + " " + OPENS))
                        .directory(tmp.toFile()).redirectErrorStream(true)
                        .redirectOutput(tmp.resolve("run" + round + i + ".out").toFile()).start());
            }
            for (int i = 0; i < 2; i++) {
                assertThat(runs.get(i).waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                assertThat(runs.get(i).exitValue()).as(Files.readString(tmp.resolve("run" + round + i + ".out"))).isZero();
            }
            List<String> lines = Files.readAllLines(trail);
            assertThat(opens(lines)).as("opens in the lines, two runs' each").isGreaterThanOrEqualTo(1200);
            broken.addAll(broken(lines));
        }
        assertThat(broken).as("call lines that are not whole, in 3 rounds").isEmpty();
    }

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aServerAndARunSharingOneFileWriteWholeJsonLines(boolean nobody) throws Exception {
        open(nobody);
        Path file = tmp.resolve("shared.jsonl");
        Files.writeString(file, "");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path sock = tmp.resolve("mon.sock");
        Path serverLog = tmp.resolve("server.err");
        Process server = new ProcessBuilder(cli(nobody, "server", "--endpoint", sock.toString(), "--format", "json",
                "--out", file.toString())).directory(tmp.toFile()).redirectErrorStream(true)
                .redirectOutput(serverLog.toFile()).start();
        try {
            ServerCommandTest.awaitLine(serverLog, "listening on", server);
            Path config = config("remote.json", """
                    {"name": "monitor", "points": [{"name": "syscall/openat/enter", "context_fields": ["thread_id", "process_name"]}],
                     "sinks": [{"name": "remote", "config": {"endpoint": "%s"}}]}""".formatted(sock));
            ProcessResult r = ProcessResult.of(cli(nobody, "run", "--quiet", "--root", root(nobody), "--config",
                    config.toString(), "-e", "trace=openat", "--format", "json", "-o", file.toString(), "--",
                    "/bin/sh", "-c", OPENS + " " + OPENS + " " + OPENS), tmp, 120);
            assertThat(r.code()).as(r.out()).isZero();
            ServerCommandTest.awaitLine(serverLog, "disconnected", server);
        } finally {
            server.destroy();
            ProcessResult.end(server, 10);
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(opens(lines)).as("opens in the lines, the server's and the run's").isGreaterThanOrEqualTo(1800);
        List<String> unparsable = new ArrayList<>();
        for (String line : lines) {
            try {
                if (!JSON.readTree(line).isObject()) {
                    unparsable.add(line);
                }
            } catch (IOException e) {
                unparsable.add(line.length() > 300 ? line.substring(0, 300) + "..." : line);
            }
        }
        assertThat(unparsable).as("lines that are no JSON object (blank ones included)").isEmpty();
    }

    /**
     * A call line waits in memory for its result on a file: a call that blocks (a sleep of 4 s)
     * is still written, as unfinished, within a second or two, and its result later as resumed.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aCallThatBlocksShowsInTheFileAsUnfinished(boolean nobody) throws Exception {
        open(nobody);
        Path trail = tmp.resolve("sleep.txt");
        Process run = new ProcessBuilder(cli(nobody, "run", "--quiet", "--root", root(nobody), "-e",
                "trace=clock_nanosleep,nanosleep", "-o", trail.toString(), "--", "/bin/sleep", "4"))
                .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("sleep.out").toFile())
                .start();
        try {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            boolean shown = false;
            while (!shown && run.isAlive() && System.nanoTime() < deadline) {
                shown = Files.exists(trail) && Files.readString(trail).contains("nanosleep(");
                Thread.sleep(50);
            }
            assertThat(shown).as("the sleep's line in the file while it sleeps").isTrue();
            assertThat(Files.readAllLines(trail)).anyMatch(l -> l.matches("^\\d+ sleep (clock_)?nanosleep\\(.* <unfinished \\.\\.\\.>$"));
            assertThat(run.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(run.exitValue()).as(Files.readString(tmp.resolve("sleep.out"))).isZero();
        } finally {
            ProcessResult.end(run, 0);
        }
        assertThat(Files.readAllLines(trail)).anyMatch(l -> l.matches("^\\d+ sleep <\\.\\.\\. (clock_)?nanosleep resumed>.* = 0$"));
    }

    /** How many times the lines name an open of a name that does not exist, glued lines included. */
    private static long opens(List<String> lines) {
        return lines.stream().mapToLong(l -> l.split("/nonexistent-", -1).length - 1).sum();
    }

    /** The lines that are no whole call line of the strace format. */
    private static List<String> broken(List<String> lines) {
        return lines.stream().filter(l -> !CALL_LINE.matcher(l).matches()
                || l.indexOf("openat") != l.lastIndexOf("openat")).limit(20).toList();
    }

    private void open(boolean nobody) throws IOException {
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
    }

    private String root(boolean nobody) {
        return tmp.resolve(nobody ? "root-nobody" : "root").toString();
    }

    private Path config(String name, String text) throws IOException {
        Path config = Files.writeString(tmp.resolve(name), text);
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        return config;
    }

    /** The CLI's command line with {@code args}: as this user, or as uid 65534. */
    private static List<String> cli(boolean nobody, String... args) {
        if (nobody) {
            return PackagedCli.asNobody(PackagedCli.nobodyClasspath(), args);
        }
        List<String> cmd = PackagedCli.java(System.getProperty("java.class.path"), "-XX:+DisableAttachMechanism",
                "-XX:TieredStopAtLevel=1");
        cmd.addAll(List.of(args));
        return cmd;
    }
}

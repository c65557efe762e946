package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.seccheck.control.RunRecord;
import dev.seccheck.control.RuntimeRoot;
import dev.seccheck.linux.UnixSeqpacket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Drives a real {@code seccheck run} (a separate JVM supervising a shell loop) through its control
 * socket with the CLI's own commands: list, trace list/create/delete/procfs.
 */
class ControlPlaneTest {

    @TempDir
    Path tmp;

    private Process run;
    private Path root;

    @BeforeEach
    void startWorkload() throws Exception {
        root = tmp.resolve("root");
        Path initial = write("initial.json", session("watch", tmp.resolve("initial.log")));
        List<String> cmd = new ArrayList<>(java());
        cmd.addAll(List.of("run", "--root", root.toString(), "--id", "cp1", "--quiet", "--config", initial.toString(), "--",
                "sh", "-c", "while [ ! -e " + tmp.resolve("stop") + " ]; do /bin/sleep 0.05; done"));
        run = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("run.out").toFile()).start();
        await("the run to appear in seccheck list", () -> cli("list", "--root", root.toString()).lines().anyMatch(l -> l.startsWith("cp1 ")));
    }

    @AfterEach
    void stopWorkload() throws Exception {
        Files.writeString(tmp.resolve("stop"), "");
        if (!run.waitFor(30, TimeUnit.SECONDS)) {
            run.destroyForcibly();
        }
    }

    @Test
    void sessionsCreatedAndDeletedAtRuntimeStartAndStopTheirPoints() throws Exception {
        assertThat(cli("trace", "list", "--root", root.toString(), "cp1"))
                .contains("SESSIONS (1)").contains("\"watch\"").contains("Sink: \"text\", dropped: 0");

        Path late = tmp.resolve("late.log");
        Path lateConfig = write("late.json", session("late", late));
        assertThat(cli("trace", "create", "--root", root.toString(), "--config", lateConfig.toString(), "cp1"))
                .contains("Trace session \"late\" created");
        await("execve points in the late session's sink", () -> lines(late) >= 3);
        assertThat(Files.readString(late)).contains("binary_path=\"/usr/bin/sleep\"").contains("[cp1]");

        assertThat(cli("trace", "delete", "--root", root.toString(), "--name", "late", "cp1"))
                .contains("Trace session \"late\" deleted");
        long afterDelete = Files.size(late);
        long initialBefore = Files.size(tmp.resolve("initial.log"));
        await("the first session to keep receiving", () -> size(tmp.resolve("initial.log")) > initialBefore + 200);
        assertThat(Files.size(late)).isEqualTo(afterDelete);
        assertThat(cli("trace", "list", "--root", root.toString(), "cp1")).contains("SESSIONS (1)").doesNotContain("late");
    }

    @Test
    void syscallPointsCreatedAtRuntimeReachTheRunningProcesses() throws Exception {
        Path opens = tmp.resolve("opens.log");
        Path config = write("opens.json", """
                {"name": "opens", "points": [{"name": "syscall/openat/enter", "context_fields": ["process_name"]}],
                 "sinks": [{"name": "text", "config": {"path": "%s", "format": "raw"}}]}""".formatted(opens));
        cli("trace", "create", "--root", root.toString(), "--config", config.toString(), "cp1");

        // The shell was started without any syscall point: its new children open files under a filter
        // layer they can only have inherited from the running shell.
        await("openat points from the running workload", () -> lines(opens) >= 5);
        assertThat(Files.readString(opens)).contains("sleep E openat").contains("pathname=");

        cli("trace", "delete", "--root", root.toString(), "--name", "opens", "cp1");
        long afterDelete = Files.size(opens);
        long before = Files.size(tmp.resolve("initial.log"));
        await("the workload to go on after the delete", () -> size(tmp.resolve("initial.log")) > before + 200);
        assertThat(Files.size(opens)).isEqualTo(afterDelete);
    }

    @Test
    void execRunsACommandInsideTheRunWithItsStdioAndExitStatusMarkedAsAnExecSession() throws Exception {
        Path execs = tmp.resolve("execs.log");
        Path config = write("execs.json", """
                {"name": "execs", "points": [{"name": "sentry/execve", "context_fields": ["is_exec_session", "container_id"]}],
                 "sinks": [{"name": "text", "config": {"path": "%s", "format": "raw"}}]}""".formatted(execs));
        cli("trace", "create", "--root", root.toString(), "--config", config.toString(), "cp1");

        List<String> cmd = new ArrayList<>(java());
        cmd.addAll(List.of("exec", "--root", root.toString(), "cp1", "--", "sh", "-c", "tr a-z A-Z; echo err >&2; exit 5"));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().write("hello from stdin\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(p.exitValue()).isEqualTo(5);
        assertThat(out).isEqualTo("HELLO FROM STDIN\n");
        assertThat(err).isEqualTo("err\n");
        List<String> lines = Files.readAllLines(execs);
        assertThat(lines).anyMatch(l -> l.contains("(exec)") && l.contains("argv=[\"tr\", \"a-z\", \"A-Z\"]"));
        assertThat(lines).filteredOn(l -> l.contains("/usr/bin/sleep")).allMatch(l -> !l.contains("(exec)"));
    }

    @Test
    void execTakesTheTraceOptionsWritingToItsOwnStderrForTheCommandsLifetime() throws Exception {
        Result traced = exec("exec", "--root", root.toString(), "-e", "trace=openat", "--comm", "cat", "cp1", "--",
                "cat", "/etc/hostname");
        assertThat(traced.code).as(traced.out).isZero();
        assertThat(traced.out).contains(" cat openat(AT_FDCWD, \"/etc/hostname\", O_RDONLY) = 3")
                .doesNotContain(" sleep ");
        Result summary = exec("exec", "--root", root.toString(), "--summary", "-e", "openat", "--comm", "cat", "cp1", "--",
                "cat", "/etc/hostname", "/nonexistent-z");
        assertThat(summary.code).as(summary.out).isEqualTo(1);
        assertThat(summary.out).contains("% time").containsPattern(" \\d+ +[1-9]\\d* openat\\n")
                .containsPattern(" \\d+ cat\\n").doesNotContain("openat(");
        // Each exec's session ends with its command: only the run's own session is left.
        assertThat(cli("trace", "list", "--root", root.toString(), "cp1")).contains("SESSIONS (1)").contains("\"watch\"");
    }

    @Test
    void traceCreateErrorsNameTheConfigFile() throws Exception {
        Path bad = write("bad.json", """
                {"name": "bad", "points": [{"name": "syscall/nope/enter"}], "sinks": [{"name": "null"}]}""");
        assertThat(cliFails("trace", "create", "--root", root.toString(), "--config", bad.toString(), "cp1"))
                .contains("unknown point \"syscall/nope/enter\"").contains("(--config " + bad + ")");
    }

    /**
     * The program's strings in {@code trace procfs}'s lines are escaped as the JSON lines of points
     * are: a C1 control introducer (U+009B, which a terminal reads as ESC [) and a bidi override
     * printed raw before (red-team round 22). The strings are made by the shell's printf, inside
     * the run, so that no charset of this JVM's stands between.
     */
    @Test
    void procfsLinesCarryNoTerminalControlsOfTheProgramS() throws Exception {
        List<String> cmd = new ArrayList<>(java());
        cmd.addAll(List.of("exec", "--root", root.toString(), "cp1", "--", "sh", "-c",
                "exec sh -c 'sleep 5' \"$(printf 'x\\302\\2331m\\342\\200\\256y')\""));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("exec.out").toFile()).start();
        try {
            await("the exec's sh in procfs", () -> cli("trace", "procfs", "--root", root.toString(), "cp1")
                    .contains("sleep 5"));
            String out = cli("trace", "procfs", "--root", root.toString(), "cp1");
            assertThat(out).doesNotContain("\u009b", "\u202e").contains("x\\u009b1m\\u202ey");
        } finally {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * {@code seccheck list} names a stale directory it removes from the runtime root, whose name a
     * program of a run may choose (any session that does not decide on names lets it make one
     * there): escaped, as seccheck's other lines. Before, an {@code ESC [8m} in it hid the table
     * that followed and an OSC set the terminal's title (red-team round 22).
     */
    @Test
    void listNamesAStaleDirectoryWithoutItsTerminalControls() throws Exception {
        Path stale = Files.createDirectory(root.resolve(".pending-9999999999-\u001b[8m\u001b]0;title\u0007x"),
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        String out = cli("list", "--root", root.toString());
        assertThat(out).contains("removing stale runtime directory").doesNotContain("\u001b", "\u0007")
                .contains(".pending-9999999999-\\x1b[8m\\x1b]0;title\\x07x");
        assertThat(stale).doesNotExist();
    }

    @Test
    void procfsDescribesTheWorkloadsProcesses() throws Exception {
        String out = cli("trace", "procfs", "--root", root.toString(), "cp1");
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> procs = new ArrayList<>();
        for (String line : out.strip().split("\n")) {
            procs.add(json.readTree(line));
        }
        JsonNode sh = procs.stream().filter(p -> p.path("args").path(0).asText().equals("sh")).findFirst().orElseThrow();
        long pid = sh.path("pid").asLong();
        assertThat(sh.path("exe").asText()).isEqualTo(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe")).toString());
        assertThat(sh.path("cwd").asText()).isEqualTo(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd")).toString());
        assertThat(sh.path("args").get(1).asText()).isEqualTo("-c");
        assertThat(sh.path("status").path("nonewprivs").asText()).isEqualTo("1");
        assertThat(sh.path("fds").findValuesAsText("fd")).contains("0", "1", "2");
    }

    @Test
    void aRunWhoseSupervisorWasKilledIsCleanedAwayAndItsWorkloadDiesWithIt() throws Exception {
        String procfs = cli("trace", "procfs", "--root", root.toString(), "cp1");
        long workloadPid = new ObjectMapper().readTree(procfs.strip().split("\n")[0]).path("pid").asLong();
        Path dir = root.resolve("cp1");
        assertThat(dir).exists();

        run.destroyForcibly();
        assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();

        await("the workload to die with its supervisor", () -> ProcessHandle.of(workloadPid).isEmpty()
                || ProcessHandle.of(workloadPid).map(h -> !h.isAlive()).orElse(true));
        String list = cli("list", "--root", root.toString());
        assertThat(list).contains("removing stale runtime directory " + dir);
        assertThat(list.lines()).noneMatch(l -> l.startsWith("cp1"));
        assertThat(dir).doesNotExist();
    }

    @Test
    void errorsNameTheRunAndTheProblem() throws Exception {
        assertThat(cliFails("trace", "list", "--root", root.toString(), "nosuch"))
                .contains("seccheck trace list: no run named \"nosuch\"");
        Path bad = write("bad.json", "{\"points\": [{\"name\": \"syscall/nosuch/enter\"}]}");
        assertThat(cliFails("trace", "create", "--root", root.toString(), "--config", bad.toString(), "cp1"))
                .contains("points[0].name: unknown point \"syscall/nosuch/enter\"");
        assertThat(cliFails("trace", "delete", "--root", root.toString(), "--name", "ghost", "cp1"))
                .contains("no session named \"ghost\"");
        Path huge = write("huge.json", session("huge", tmp.resolve("huge.log")) + " ".repeat(5 << 20));
        assertThat(cliFails("trace", "create", "--root", root.toString(), "--config", huge.toString(), "cp1"))
                .contains("seccheck trace create: --config " + huge + ": larger than the 4,194,304-byte limit");
        assertThat(cli("trace", "list", "--root", root.toString(), "cp1")).contains("SESSIONS (1)");
    }

    @Test
    void aLockedSessionIsNeitherDeletedNorReplacedUntilTheRunStops() throws Exception {
        Path lockedLog = tmp.resolve("locked.log");
        Path config = write("locked.json", session("pinned", lockedLog));
        assertThat(cli("trace", "create", "--root", root.toString(), "--locked", "--config", config.toString(), "cp1"))
                .contains("Trace session \"pinned\" created (1 points, locked).");
        Path fromJson = write("locked2.json", """
                {"name": "pinned2", "points": [{"name": "sentry/execve"}], "sinks": [{"name": "null"}],
                 "options": {"locked": true}}""");
        cli("trace", "create", "--root", root.toString(), "--config", fromJson.toString(), "cp1");

        assertThat(cliFails("trace", "delete", "--root", root.toString(), "--name", "pinned", "cp1"))
                .contains("seccheck trace delete: session \"pinned\" is locked: it cannot be deleted while the run lives; "
                        + "it ends when the run stops");
        assertThat(cliFails("trace", "delete", "--root", root.toString(), "--name", "pinned2", "cp1"))
                .contains("session \"pinned2\" is locked");
        Path replacement = write("replacement.json", session("pinned", tmp.resolve("other.log")));
        assertThat(cliFails("trace", "create", "--root", root.toString(), "--force", "--config", replacement.toString(), "cp1"))
                .contains("seccheck trace create: session \"pinned\" is locked: it cannot be replaced while the run lives");
        assertThat(cli("trace", "list", "--root", root.toString(), "cp1"))
                .contains("\"pinned\" (1 points, locked)").contains("\"pinned2\" (1 points, locked)");
        long before = size(lockedLog);
        await("the locked session to keep receiving", () -> size(lockedLog) > before + 200);
        assertThat(tmp.resolve("other.log")).doesNotExist();
    }

    @Test
    void aRunThatNeverAnswersIsShownUnresponsiveAndNamedInsteadOfHangingTheClient() throws Exception {
        RuntimeRoot rr = new RuntimeRoot(root);
        // A run record of this JVM, whose socket accepts connections and never reads one.
        RunRecord mute = RunRecord.forThisProcess("mute", List.of("stuck"));
        Path dir = rr.create(mute, msg -> { });
        try (UnixSeqpacket _ = UnixSeqpacket.listen(dir.resolve(RuntimeRoot.SOCKET), 8)) {
            Instant start = Instant.now();
            // A deadline a healthy run meets even on a loaded machine (1 s was missed at load 20).
            String list = cli("list", "--root", root.toString(), "--timeout", "5");
            assertThat(list.lines()).anyMatch(l -> l.startsWith("mute") && l.contains("(unresponsive)") && l.contains("stuck"));
            assertThat(list.lines()).anyMatch(l -> l.startsWith("cp1") && l.contains("watch"));
            // The kernel completes the connection, so the request waits for an answer; on a loaded
            // machine the connect itself may be what misses the deadline: either way the run is named.
            String run = "run \"mute\" \\(pid " + ProcessHandle.current().pid()
                    + "\\) did not (answer|accept a connection) within ";
            assertThat(list).containsPattern("seccheck list: " + run + "5000 ms");
            assertThat(cliFails("trace", "list", "--root", root.toString(), "--timeout", "0.5", "mute"))
                    .containsPattern("seccheck trace list: " + run + "500 ms; it may be stuck");
            assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(40));
        } finally {
            rr.remove(mute);
        }
    }

    /**
     * Success means served (issue 9 item 4): a run started with an enter point of read has read
     * held by its notifier for good, and a held syscall has no exit stop, so a later session
     * asking for read's exit point is refused naming the point and why, and nothing changes.
     */
    @Test
    void aCreateWhosePointsCannotBeServedFailsNamingThemAndChangesNothing() throws Exception {
        Path reads = write("reads.json", """
                {"name": "reads", "points": [{"name": "syscall/read/enter"}],
                 "sinks": [{"name": "text", "config": {"path": "%s", "format": "raw"}}]}""".formatted(tmp.resolve("reads.log")));
        duringLoop("cp2", reads, () -> {
            Path exits = write("exits.json", """
                    {"name": "exits", "points": [{"name": "syscall/read/exit"}, {"name": "syscall/openat/enter"}],
                     "sinks": [{"name": "text", "config": {"path": "%s", "format": "raw"}}]}""".formatted(tmp.resolve("x.log")));

            assertThat(cliFails("trace", "create", "--root", root.toString(), "--config", exits.toString(), "cp2"))
                    .contains("syscall/read/exit cannot be served while the run is going")
                    .contains("the notifier holds it")
                    .doesNotContain("Trace session");
            assertThat(cli("trace", "list", "--root", root.toString(), "cp2"))
                    .contains("SESSIONS (1)").contains("\"reads\"").doesNotContain("\"exits\"");
            assertThat(size(tmp.resolve("x.log"))).as("points reached the refused session").isZero();
        });
    }

    /**
     * Issue 10: seccheck performs opens itself only when a session deciding on them is there as the
     * run starts. A policy session created later on a run without one would decide on memory the
     * program can still change (the open race), so its create fails, says why and how, and changes
     * nothing; so does it on a run that performs opens for an observing session only, which does
     * not check links and renames (and a policy on connects, on one that performs connects for an
     * observing session, which lets source routes be set and netlink calls run as made; and a policy
     * on accepts, which only a run started with one performs); on a run
     * started with a policy, a
     * second policy session is accepted.
     */
    @Test
    void aPolicyOnOpensCreatedAtRuntimeIsRefusedUnlessTheRunStartedWithOne() throws Exception {
        String policy = """
                {"name": "%s", "points": [{"name": "syscall/openat/enter"}],
                 "sinks": [{"name": "policy", "config": {"rules": [{"point": "syscall/openat/enter",
                   "match": {"pathname": {"glob": "%s/secret*"}}, "action": "deny", "errno": "EACCES"}]}}]}""";
        Path late = write("late-policy.json", policy.formatted("late-policy", tmp));
        assertThat(cliFails("trace", "create", "--root", root.toString(), "--config", late.toString(), "cp1"))
                .contains("syscall/openat/enter would be decided on memory or names the program can still change")
                .contains("start the run with this session (seccheck run --config FILE)")
                .doesNotContain("Trace session");
        assertThat(cli("trace", "list", "--root", root.toString(), "cp1"))
                .contains("SESSIONS (1)").doesNotContain("late-policy");

        // A run that performs opens for an observing session does not check links and renames; one
        // that performs connects for it does not hold the socket options that set a source route.
        Path observing = write("observing.json", """
                {"name": "observing", "points": [{"name": "syscall/openat/enter"}, {"name": "syscall/connect/enter"}],
                 "sinks": [{"name": "text", "config": {"path": "%s"}}]}""".formatted(tmp.resolve("observing.log")));
        duringLoop("cp4", observing, () -> {
            assertThat(cliFails("trace", "create", "--root", root.toString(), "--config", late.toString(), "cp4"))
                    .contains("syscall/openat/enter (this run performs opens, but not the links and renames")
                    .contains("start the run with this session");
            Path lateNetwork = write("late-network.json", """
                    {"name": "late-network", "points": [{"name": "syscall/connect/enter"}],
                     "sinks": [{"name": "policy", "config": {"rules": [{"point": "syscall/connect/enter",
                       "match": {"port": 9}, "action": "deny"}]}}]}""");
            assertThat(cliFails("trace", "create", "--root", root.toString(), "--config", lateNetwork.toString(), "cp4"))
                    .contains("syscall/connect/enter (this run performs network calls, but neither holds the socket"
                            + " options that set a source route");
            // Nor does it accept connections for the program: a rule on their peers would decide nothing.
            Path lateAccept = write("late-accept.json", """
                    {"name": "late-accept", "points": [{"name": "syscall/accept/enter"}, {"name": "syscall/accept4/enter"}],
                     "sinks": [{"name": "policy", "config": {"rules": [{"effect": "accept_network",
                       "match": {"family": {"not": ["AF_UNIX"]}}, "action": "deny"}]}}]}""");
            assertThat(cliFails("trace", "create", "--root", root.toString(), "--config", lateAccept.toString(), "cp4"))
                    .contains("syscall/accept/enter", "syscall/accept4/enter", "start the run with this session");
        });

        Path first = write("first-policy.json", policy.formatted("first-policy", tmp));
        duringLoop("cp3", first, () -> {
            assertThat(cli("trace", "create", "--root", root.toString(), "--config", late.toString(), "cp3"))
                    .contains("Trace session \"late-policy\" created");
        });
    }

    /**
     * A rule denying binds at a unix path also decides the names links, renames and symlinks give
     * sockets, which seccheck holds only when such a rule (or one on opening files) is there as
     * the run starts: on a run started with a bind rule on a port alone, a session with a rule on
     * {@code unix_path} created later is refused, says why, and changes nothing; one on a port is
     * accepted.
     */
    @Test
    void aBindRuleOnUnixPathsCreatedAtRuntimeIsRefusedUnlessTheRunHoldsTheNamesCalls() throws Exception {
        String bindPolicy = """
                {"name": "%s", "points": [{"name": "syscall/bind/enter"}],
                 "sinks": [{"name": "policy", "config": {"rules": [{"effect": "bind_network",
                   "match": %s, "action": "deny", "errno": "EACCES"}]}}]}""";
        Path ports = write("bind-ports.json", bindPolicy.formatted("bind-ports", "{\"port\": 9}"));
        Path unix = write("late-unix.json", bindPolicy.formatted("late-unix", "{\"unix_path\": \"" + tmp + "/agent.sock\"}"));
        Path port = write("late-port.json", bindPolicy.formatted("late-port", "{\"port\": 10}"));
        refusesThenAccepts("cp5", ports, unix,
                "syscall/bind/enter (this run performs binds, but not the renames, links and symlinks", port);
    }

    /**
     * A rule on the file an exec runs ({@code binary_path}) holds against a rename made while the
     * exec is in flight only in a run that performs the program's renames, which one started with
     * such a rule does. Before, a session with the rule created later was accepted and decided on
     * the name the file had at the exec event (the program renamed it out of the rule first: 32
     * of 300 execs ran). On a run started with a rule on what runs that does not name the file
     * (argv), such a session is now refused, says why, and changes nothing; another argv rule is
     * accepted; and on a run started with a {@code binary_path} rule, a second one is accepted.
     */
    @Test
    void aRuleOnExecutedFilesCreatedAtRuntimeIsRefusedUnlessTheRunPerformsRenames() throws Exception {
        String execPolicy = """
                {"name": "%s", "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"rules": [{"effect": "execute_file",
                   "match": %s, "action": "deny", "errno": "EACCES"}]}}]}""";
        Path argv = write("exec-argv.json", execPolicy.formatted("exec-argv", "{\"argv\": {\"glob\": \"nc\"}}"));
        Path binary = write("exec-binary.json",
                execPolicy.formatted("exec-binary", "{\"binary_path\": \"" + tmp + "/denied/*\"}"));
        Path argv2 = write("exec-argv2.json", execPolicy.formatted("exec-argv2", "{\"argv\": {\"glob\": \"socat\"}}"));
        refusesThenAccepts("cp6", argv, binary,
                "sentry/execve (a rule on the file an exec runs: this run does not perform the renames", argv2);
        Path binary2 = write("exec-binary2.json",
                execPolicy.formatted("exec-binary2", "{\"binary_path\": \"" + tmp + "/denied2/*\"}"));
        duringLoop("cp7", binary, () -> {
            assertThat(cli("trace", "create", "--root", root.toString(), "--config", binary2.toString(), "cp7"))
                    .contains("Trace session \"exec-binary2\" created");
        });
    }

    /**
     * The supervised program runs as the same user, so it can rewrite its run's run.json with its
     * own pid and serve a socket of its own in the run's place (binding and listening itself: no
     * session decides at bind's points). The operator's commands must refuse that server (it is ptraced: a run's supervisor never is), and send it nothing. As this
     * user, and as uid 65534 (the run, its program and the operator's commands all that user's).
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aSupervisedProgramPosingAsItsRunIsRefusedAndSentNothing(boolean nobody) throws Exception {
        List<String> cli = new ArrayList<>(java());
        Path work = tmp;
        Path runs = root;
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
            cli = PackagedCli.asNobody(PackagedCli.nobodyClasspath());
            work = PackagedCli.nobodysDir(tmp.resolve("nobody"));
            runs = work.resolve("root");
        }
        Path dir = runs.resolve("forged");
        Path requests = work.resolve("forger-requests.log");
        Path ready = work.resolve("forger-ready");
        Path forger = write("forger.py", """
                import json, os, socket, sys, time
                d, log, ready, stop = sys.argv[1:5]
                record = os.path.join(d, "run.json")
                path = os.path.join(d, "control.sock")
                # The run's directory appears with its record; its socket a moment later.
                while not os.path.exists(path):
                    time.sleep(0.02)
                r = json.load(open(record))
                r["pid"] = os.getpid()
                r["pid_start_ticks"] = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19])
                with open(record + ".new", "w") as f:
                    json.dump(r, f)
                os.rename(record + ".new", record)
                os.unlink(path)
                s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                s.bind(path)
                s.listen(8)
                s.settimeout(0.1)
                open(ready, "w").close()
                while not os.path.exists(stop):
                    try:
                        c, _ = s.accept()
                    except socket.timeout:
                        continue
                    c.settimeout(1)
                    try:
                        data = c.recv(65536)
                    except socket.timeout:
                        data = b""
                    if data:
                        with open(log, "a") as f:
                            f.write("REQUEST %r\\n" % data)
                    c.close()
                """);
        // A session that decides nothing, so that the program binds and listens itself: where
        // seccheck makes them, a bind in the run's directory is refused (ProgramListenersTest).
        Path plain = write("plain.json", """
                {"name": "plain", "points": [{"name": "container/start"}], "sinks": [{"name": "null"}]}""");
        List<String> cmd = new ArrayList<>(cli);
        cmd.addAll(List.of("run", "--root", runs.toString(), "--id", "forged", "--quiet", "--config", plain.toString(),
                "--", "/usr/bin/python3",
                forger.toString(), dir.toString(), requests.toString(), ready.toString(), tmp.resolve("stop").toString()));
        Process forging = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("forged.out").toFile()).start();
        try {
            await("the supervised program to pose as its run", () -> {
                if (!forging.isAlive()) {
                    throw new AssertionError("the posing run ended: " + Files.readString(tmp.resolve("forged.out")));
                }
                return Files.exists(ready);
            });
            Path policy = write("policy.json", session("policy", tmp.resolve("policy.log")));

            Result refused = exec(cli, "trace", "create", "--root", runs.toString(), "--config", policy.toString(), "forged");
            Result listed = exec(cli, "trace", "list", "--root", runs.toString(), "forged");

            assertThat(refused.code()).as(refused.out()).isEqualTo(1);
            assertThat(refused.out()).containsPattern("refusing to talk to " + dir.resolve("control.sock")
                    + ": it is served by pid \\d+, which is ptraced by pid \\d+ \\(a supervised program posing as its run\\?");
            assertThat(listed.code()).as(listed.out()).isEqualTo(1);
            assertThat(listed.out()).contains("which is ptraced by pid");
            assertThat(requests).as("requests the posing program received").doesNotExist();
        } finally {
            Files.writeString(tmp.resolve("stop"), "");
            if (!forging.waitFor(30, TimeUnit.SECONDS)) {
                forging.destroyForcibly();
            }
        }
    }

    /**
     * Runs {@code body} while a second run, {@code id} with {@code config}, loops (once it is
     * listed), then stops that run.
     */
    private void duringLoop(String id, Path config, Body body) throws Exception {
        Path stop = tmp.resolve("stop-" + id);
        Process loop = startLoop(id, config, stop);
        try {
            await("run " + id + " to appear in seccheck list",
                    () -> cli("list", "--root", root.toString()).lines().anyMatch(l -> l.startsWith(id + " ")));
            body.run();
        } finally {
            Files.writeString(stop, "");
            if (!loop.waitFor(30, TimeUnit.SECONDS)) {
                loop.destroyForcibly();
            }
        }
    }

    /** Starts a second run named {@code id} of the shell loop, under {@code config}, looping until {@code stop} exists. */
    private Process startLoop(String id, Path config, Path stop) throws IOException {
        List<String> cmd = new ArrayList<>(java());
        cmd.addAll(List.of("run", "--root", root.toString(), "--id", id, "--quiet", "--config", config.toString(), "--",
                "sh", "-c", "while [ ! -e " + stop + " ]; do /bin/sleep 0.05; done"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve(id + ".out").toFile()).start();
    }

    private static String session(String name, Path log) {
        return """
                {"name": "%s",
                 "points": [{"name": "sentry/execve", "context_fields": ["container_id", "group_id"]}],
                 "sinks": [{"name": "text", "config": {"path": "%s", "format": "raw"}}]}""".formatted(name, log);
    }

    private Path write(String file, String text) throws IOException {
        Path p = tmp.resolve(file);
        Files.writeString(p, text);
        return p;
    }

    private static List<String> java() {
        return PackagedCli.java(System.getProperty("java.class.path"));
    }

    private String cli(String... args) throws Exception {
        Result r = exec(args);
        assertThat(r.code).as("exit code of seccheck %s: %s", String.join(" ", args), r.out).isZero();
        return r.out;
    }

    private String cliFails(String... args) throws Exception {
        Result r = exec(args);
        assertThat(r.code).as("exit code of seccheck %s", String.join(" ", args)).isEqualTo(1);
        return r.out;
    }

    private record Result(int code, String out) {}

    private static Result exec(String... args) throws Exception {
        return exec(java(), args);
    }

    /** Runs the CLI started by {@code cli} (this JVM's class path, or {@link PackagedCli#asNobody}) with {@code args}. */
    private static Result exec(List<String> cli, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(cli);
        cmd.addAll(withDeadline(List.of(args)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    /**
     * {@code args} with {@code --timeout 30} after the command's name where it talks to a run
     * ({@code list}, {@code trace ...}) and gives no deadline of its own: a run that is slow to
     * accept on a loaded machine (a run's control server once waited 5 s for the CPU while two
     * test classes ran at once) is not what these tests are about; the tests of an unresponsive
     * run give their own.
     */
    private static List<String> withDeadline(List<String> args) {
        if (args.contains("--timeout") || args.isEmpty()) {
            return args;
        }
        int name = args.get(0).equals("list") ? 1 : args.get(0).equals("trace") && args.size() > 1 ? 2 : 0;
        if (name == 0) {
            return args;
        }
        List<String> out = new ArrayList<>(args.subList(0, name));
        out.addAll(List.of("--timeout", "30"));
        out.addAll(args.subList(name, args.size()));
        return out;
    }

    private static long lines(Path p) {
        try {
            return Files.exists(p) ? Files.readAllLines(p).size() : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * On a run {@code id} started with {@code start}: a {@code trace create} of {@code refused}
     * fails saying {@code why} and how, and changes nothing; one of {@code accepted} is made.
     */
    private void refusesThenAccepts(String id, Path start, Path refused, String why, Path accepted) throws Exception {
        String refusedName = new ObjectMapper().readTree(refused.toFile()).path("name").asText();
        String acceptedName = new ObjectMapper().readTree(accepted.toFile()).path("name").asText();
        duringLoop(id, start, () -> {
            assertThat(cliFails("trace", "create", "--root", root.toString(), "--config", refused.toString(), id))
                    .contains(why).contains("start the run with this session");
            assertThat(cli("trace", "list", "--root", root.toString(), id)).doesNotContain(refusedName);
            assertThat(cli("trace", "create", "--root", root.toString(), "--config", accepted.toString(), id))
                    .contains("Trace session \"" + acceptedName + "\" created");
        });
    }

    /** What a test does while a second run loops ({@link #duringLoop}). */
    private interface Body {
        void run() throws Exception;
    }

    /** A condition that may need I/O to check. */
    private interface Check {
        boolean ok() throws Exception;
    }

    /** Waits for {@code done}; the deadline is generous because a run's JVM may start slowly on a loaded machine (30 s ran out at load 40). */
    private void await(String what, Check done) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        while (!done.ok()) {
            if (!run.isAlive() && run.exitValue() != 137) {
                throw new AssertionError("the run ended while waiting for " + what + ": "
                        + Files.readString(tmp.resolve("run.out")));
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for " + what + "; the run said: "
                        + Files.readString(tmp.resolve("run.out")));
            }
            Thread.sleep(50);
        }
    }
}

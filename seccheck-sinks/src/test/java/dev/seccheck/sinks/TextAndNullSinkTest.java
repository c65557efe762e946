package dev.seccheck.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.proto.syscall.Exit;
import dev.seccheck.proto.syscall.Syscall;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SessionException;
import dev.seccheck.session.SessionManager;
import dev.seccheck.sink.SinkRegistry;
import dev.seccheck.state.PointState;
import dev.seccheck.testing.Fire;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in sinks, found through ServiceLoader as a user's session file names them. */
class TextAndNullSinkTest {

    private static final Point OPENAT = Catalog.standard().byName("syscall/openat/enter").orElseThrow().point();
    private static final Point RAW_GETPID_EXIT = Catalog.standard().byName("syscall/sysno/39/exit").orElseThrow().point();

    @TempDir
    Path dir;

    private final PointState state = new PointState();
    private final SessionManager manager = new SessionManager(state, w -> {});
    private final SessionConfigParser parser = new SessionConfigParser(Catalog.standard(), SinkRegistry.discover());

    private void create(String json) throws SessionException {
        manager.create(parser.parse(json), false);
    }

    private String sessionToFile(Path file, String context) {
        return """
                {"name": "t", "points": [
                   {"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": [%s]},
                   {"name": "syscall/sysno/39/exit"}, {"name": "sentry/clone"}],
                 "sinks": [{"name": "text", "config": {"path": "%s", "format": "raw"}}]}""".formatted(context, file);
    }

    @Test
    void textSinkWritesOneLinePerPointToAFile() throws Exception {
        Path out = dir.resolve("trace.txt");
        create(sessionToFile(out, "\"group_id\", \"thread_id\", \"process_name\", \"cwd\""));
        Fire.syscall(state, OPENAT);
        state.fire(RAW_GETPID_EXIT,
                f -> Syscall.newBuilder().setSysno(39).setExit(Exit.newBuilder().setResult(4242)).build(),
                (sink, f, msg) -> sink.rawSyscall(RAW_GETPID_EXIT, f, msg));
        Fire.clone(state);
        manager.delete("t");

        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertThat(lines).containsExactly(
                "42/43 cat cwd=/home E openat fd=AT_FDCWD fd_path=\"/\" pathname=\"/etc/hosts\" flags=0x80000",
                "X sysno/39 = 4242",
                "* clone flags=0x11");
    }

    /** The text sink's line of sentry/execve counts the environment unless {@code verbose}; the JSON line has it all. */
    @Test
    void anExecsEnvironmentIsCountedUnlessTheSinkIsVerbose() throws Exception {
        Path counted = dir.resolve("counted.txt");
        Path verbose = dir.resolve("verbose.txt");
        Path json = dir.resolve("json.txt");
        create("""
                {"name": "t", "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "text", "config": {"path": "%s"}},
                           {"name": "text", "config": {"path": "%s", "verbose": true}},
                           {"name": "text", "config": {"path": "%s", "format": "json"}}]}""".formatted(counted, verbose, json));
        state.fire(Point.EXECVE, f -> dev.seccheck.proto.sentry.ExecveInfo.newBuilder().setBinaryPath("/bin/true")
                        .addArgv("true").addEnv("TOKEN=secret").addEnv("HOME=/root").build(),
                (sink, f, msg) -> sink.execve(f, msg));
        manager.delete("t");

        assertThat(Files.readString(counted)).contains("env=[/* 2 vars */]").doesNotContain("secret");
        assertThat(Files.readString(verbose)).contains("env=[\"TOKEN=secret\", \"HOME=/root\"]");
        assertThat(Files.readString(json)).contains("TOKEN=secret");
    }

    private static final Point OPENAT_EXIT = Catalog.standard().byName("syscall/openat/exit").orElseThrow().point();

    private static dev.seccheck.proto.syscall.Open open(int tid, String path, Exit exit) {
        var b = dev.seccheck.proto.syscall.Open.newBuilder().setSysno(257).setFd(-100).setPathname(path).setFlags(0x80000)
                .setContextData(dev.seccheck.proto.common.ContextData.newBuilder().setThreadGroupId(42).setThreadId(tid)
                        .setProcessName("cat"));
        if (exit != null) {
            b.setExit(exit);
        }
        return b.build();
    }

    private void fireOpen(Point p, dev.seccheck.proto.syscall.Open msg) {
        state.fire(p, f -> msg, (sink, f, m) -> sink.syscall(p, f,
                dev.seccheck.proto.common.MessageType.MESSAGE_SYSCALL_OPEN, m));
    }

    /** Creates session "t": openat's enter and exit, with the context the lines show, to the text sink writing {@code out}. */
    private void createOpenatLines(Path out) throws SessionException {
        create("""
                {"name": "t", "points": [
                   {"name": "syscall/openat/enter", "context_fields": ["group_id", "thread_id", "process_name"]},
                   {"name": "syscall/openat/exit", "context_fields": ["group_id", "thread_id", "process_name"]}],
                 "sinks": [{"name": "text", "config": {"path": "%s"}}]}""".formatted(out));
    }

    @Test
    void straceFormatJoinsEnterAndExitAndMarksInterleavedCalls() throws Exception {
        Path out = dir.resolve("trace.txt");
        createOpenatLines(out);
        fireOpen(OPENAT, open(42, "/etc/hostname", null));
        fireOpen(OPENAT_EXIT, open(42, "/etc/hostname", Exit.newBuilder().setResult(3).build()));
        fireOpen(OPENAT, open(42, "/nope", null));
        fireOpen(OPENAT, open(43, "/a\nb", null));
        // gVisor's meaning of a failed call: result 0, errorno set; the line reads errorno.
        fireOpen(OPENAT_EXIT, open(42, "/nope", Exit.newBuilder().setErrorno(2).build()));
        fireOpen(OPENAT_EXIT, open(43, "/a\nb", Exit.newBuilder().setResult(-13).build()));
        manager.delete("t");
        assertThat(Files.readAllLines(out, StandardCharsets.UTF_8)).containsExactly(
                "42 cat openat(AT_FDCWD, \"/etc/hostname\", O_RDONLY|O_CLOEXEC) = 3",
                "42 cat openat(AT_FDCWD, \"/nope\", O_RDONLY|O_CLOEXEC <unfinished ...>",
                "42/43 cat openat(AT_FDCWD, \"/a\\nb\", O_RDONLY|O_CLOEXEC <unfinished ...>",
                "42 cat <... openat resumed>) = -1 ENOENT (No such file or directory)",
                "42/43 cat <... openat resumed>) = -1 EACCES (Permission denied)");
    }

    /**
     * An exit closes the open line only if it is that call's: a call reported under another's
     * points (openat2 under openat's) fires its own raw points around them, and an exit of the
     * outer one must not end the inner one's line with its result.
     */
    @Test
    void anExitClosesTheOpenLineOnlyIfItIsThatCallsLine() throws Exception {
        Point rawEnter = Catalog.standard().byName("syscall/sysno/437/enter").orElseThrow().point();
        Point rawExit = Catalog.standard().byName("syscall/sysno/437/exit").orElseThrow().point();
        Path out = dir.resolve("trace.txt");
        create("""
                {"name": "t", "points": [
                   {"name": "syscall/sysno/437/enter", "context_fields": ["group_id", "thread_id", "process_name"]},
                   {"name": "syscall/sysno/437/exit", "context_fields": ["group_id", "thread_id", "process_name"]},
                   {"name": "syscall/openat/enter", "context_fields": ["group_id", "thread_id", "process_name"]},
                   {"name": "syscall/openat/exit", "context_fields": ["group_id", "thread_id", "process_name"]}],
                 "sinks": [{"name": "text", "config": {"path": "%s"}}]}""".formatted(out));
        var context = dev.seccheck.proto.common.ContextData.newBuilder().setThreadGroupId(42).setThreadId(42)
                .setProcessName("cat");
        Syscall raw = Syscall.newBuilder().setSysno(437).setArg1(-100).setArg2(0x1000).setArg3(0x2000).setArg4(24)
                .setContextData(context).build();
        state.fire(rawEnter, f -> raw, (sink, f, msg) -> sink.rawSyscall(rawEnter, f, msg));
        fireOpen(OPENAT, open(42, "/x", null));
        state.fire(rawExit, f -> raw.toBuilder().setExit(Exit.newBuilder().setResult(3)).build(),
                (sink, f, msg) -> sink.rawSyscall(rawExit, f, msg));
        fireOpen(OPENAT_EXIT, open(42, "/x", Exit.newBuilder().setResult(3).build()));
        manager.delete("t");
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).startsWith("42 cat openat2(").endsWith(" <unfinished ...>");
        assertThat(lines.subList(1, 4)).containsExactly(
                "42 cat openat(AT_FDCWD, \"/x\", O_RDONLY|O_CLOEXEC <unfinished ...>",
                "42 cat <... openat2 resumed>) = 3",
                "42 cat <... openat resumed>) = 3");
    }

    private static final Point CONNECT = Catalog.standard().byName("syscall/connect/enter").orElseThrow().point();
    private static final Point CONNECT_EXIT = Catalog.standard().byName("syscall/connect/exit").orElseThrow().point();

    /** Fires connect's enter and exit for a sendto of 5 bytes to 127.0.0.1:9, as the sentry reports it. */
    private void fireSendtoAtConnectsPoints() {
        byte[] sin = {2, 0, 0, 9, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
        var context = dev.seccheck.proto.common.ContextData.newBuilder().setThreadGroupId(42).setThreadId(42)
                .setProcessName("cat");
        dev.seccheck.proto.syscall.Connect enter = dev.seccheck.proto.syscall.Connect.newBuilder().setSysno(42).setFd(3)
                .setAddress(com.google.protobuf.ByteString.copyFrom(sin)).setContextData(context).build();
        dev.seccheck.proto.syscall.Connect exit = enter.toBuilder().setExit(Exit.newBuilder().setResult(5)).build();
        ScopedValue.where(dev.seccheck.sink.MadeCall.CURRENT, 44).run(() -> {
            for (var fired : List.of(java.util.Map.entry(CONNECT, enter), java.util.Map.entry(CONNECT_EXIT, exit))) {
                state.fire(fired.getKey(), f -> fired.getValue(), (sink, f, m) -> sink.syscall(fired.getKey(), f,
                        dev.seccheck.proto.common.MessageType.MESSAGE_SYSCALL_CONNECT, m));
            }
        });
    }

    /**
     * A sendto with an address fires connect's points (they decide on the peer); the line names
     * the call made, and the summary counts it as a sendto, unless the session has sendto's own
     * points, which count it themselves (as strace -c counts it once).
     */
    @Test
    void aSendReportedAtConnectsPointsIsNamedAndCountedAsTheSendItIs() throws Exception {
        Path lines = dir.resolve("trace.txt");
        Path counted = dir.resolve("summary.txt");
        Path countedWithRaw = dir.resolve("summary-raw.txt");
        String points = """
                {"name": "syscall/connect/enter", "context_fields": ["group_id", "thread_id", "process_name"]},
                {"name": "syscall/connect/exit", "context_fields": ["group_id", "thread_id", "process_name"]}""";
        create("""
                {"name": "t", "points": [%s],
                 "sinks": [{"name": "text", "config": {"path": "%s"}}, {"name": "summary", "config": {"path": "%s"}}]}"""
                .formatted(points, lines, counted));
        create("""
                {"name": "r", "points": [%s, {"name": "syscall/sysno/44/enter"}, {"name": "syscall/sysno/44/exit"}],
                 "sinks": [{"name": "summary", "config": {"path": "%s"}}]}""".formatted(points, countedWithRaw));
        fireSendtoAtConnectsPoints();
        manager.delete("t");
        manager.delete("r");
        assertThat(Files.readAllLines(lines, StandardCharsets.UTF_8)).containsExactly(
                "42 cat sendto(3, ..., {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 5");
        assertThat(Files.readAllLines(counted, StandardCharsets.UTF_8))
                .anyMatch(l -> l.matches(" *[\\d.]+ +[\\d.]+ +\\d+ +1 +sendto")).noneMatch(l -> l.endsWith(" connect"));
        assertThat(Files.readAllLines(countedWithRaw, StandardCharsets.UTF_8))
                .noneMatch(l -> l.endsWith(" sendto") || l.endsWith(" connect"));
    }

    /** In JSON the point stays connect's, and the call made is named beside it. */
    @Test
    void aSendReportedAtConnectsPointsIsNamedInJson() throws Exception {
        Path lines = dir.resolve("trace.jsonl");
        create("""
                {"name": "t", "points": [{"name": "syscall/connect/enter"}, {"name": "syscall/connect/exit"}],
                 "sinks": [{"name": "text", "config": {"path": "%s", "format": "json"}}]}""".formatted(lines));
        fireSendtoAtConnectsPoints();
        manager.delete("t");
        List<String> json = Files.readAllLines(lines, StandardCharsets.UTF_8);
        assertThat(json).hasSize(2).allMatch(l -> l.startsWith(
                "{\"point\":\"syscall/connect/e") && l.contains("\"type\":\"MESSAGE_SYSCALL_CONNECT\",\"call\":\"sendto\","));
    }

    /** An enter whose exit will not be seen (the kernel makes the call as made) is a whole line at once. */
    @Test
    void anEnterWhoseExitIsUnseenIsAWholeLine() throws Exception {
        Path out = dir.resolve("trace.txt");
        createOpenatLines(out);
        ScopedValue.where(dev.seccheck.sink.ExitUnseen.CURRENT, true).run(() -> fireOpen(OPENAT, open(42, "/etc", null)));
        fireOpen(OPENAT, open(42, "/x", null));
        fireOpen(OPENAT_EXIT, open(42, "/x", Exit.newBuilder().setResult(4).build()));
        manager.delete("t");
        assertThat(Files.readAllLines(out, StandardCharsets.UTF_8)).containsExactly(
                "42 cat openat(AT_FDCWD, \"/etc\", O_RDONLY|O_CLOEXEC) = ?",
                "42 cat openat(AT_FDCWD, \"/x\", O_RDONLY|O_CLOEXEC) = 4");
    }

    /**
     * A policy alert written to the stream a call line is open on ends that line first, as another
     * call's line does; before, the alert landed in the middle of the call line.
     */
    @Test
    void aPolicyAlertOnTheSameStreamEndsTheOpenCallLineFirst() throws Exception {
        java.io.PrintStream saved = System.out;
        java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            create("""
                    {"name": "t", "points": [
                       {"name": "syscall/openat/enter", "context_fields": ["group_id", "thread_id", "process_name"]},
                       {"name": "syscall/openat/exit", "context_fields": ["group_id", "thread_id", "process_name"]}],
                     "sinks": [{"name": "text", "config": {"path": "stdout"}},
                               {"name": "policy", "config": {"path": "stdout", "rules": [
                                 {"point": "syscall/openat/enter", "match": {"pathname": "/nope"}, "action": "log"}]}}]}""");
            fireOpen(OPENAT, open(42, "/nope", null));
            fireOpen(OPENAT_EXIT, open(42, "/nope", Exit.newBuilder().setErrorno(2).build()));
            manager.delete("t");
        } finally {
            System.setOut(saved);
        }
        List<String> lines = buffer.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("42 cat openat(AT_FDCWD, \"/nope\", O_RDONLY|O_CLOEXEC <unfinished ...>");
        assertThat(lines.get(1)).startsWith("{\"time\":").contains("\"action\":\"log\"");
        assertThat(lines.get(2)).isEqualTo("42 cat <... openat resumed>) = -1 ENOENT (No such file or directory)");
    }

    @Test
    void straceFormatWithoutTheEnterPointWritesWholeCallsAtExit() throws Exception {
        Path out = dir.resolve("trace.txt");
        create("""
                {"name": "t", "points": [{"name": "syscall/openat/exit"}, {"name": "syscall/sysno/39/exit"}],
                 "sinks": [{"name": "text", "config": {"path": "%s", "string_limit": 4}}]}""".formatted(out));
        var msg = open(42, "/etc/hostname", Exit.newBuilder().setResult(3).build()).toBuilder().clearContextData().build();
        fireOpen(OPENAT_EXIT, msg);
        state.fire(RAW_GETPID_EXIT,
                f -> Syscall.newBuilder().setSysno(39).setExit(Exit.newBuilder().setResult(4242)).build(),
                (sink, f, m) -> sink.rawSyscall(RAW_GETPID_EXIT, f, m));
        manager.delete("t");
        assertThat(Files.readAllLines(out, StandardCharsets.UTF_8)).containsExactly(
                "openat(AT_FDCWD, \"/etc\"...(13 bytes), O_RDONLY|O_CLOEXEC) = 3",
                "getpid() = 4242");
    }

    @Test
    void textSinkOptionsAreChecked() {
        assertTextConfigRejected("{\"format\": \"xml\"}",
                "sinks[0].config.format: must be \"strace\", \"raw\" or \"json\", got \"xml\"");
        assertThatThrownBy(() -> create(textSession("{\"string_limit\": -1}")))
                .hasMessageContaining("sinks[0].config.string_limit: must be between 0");
    }

    @Test
    void textSinkAppendsAndClosesItsFileOnDelete() throws Exception {
        Path out = dir.resolve("trace.txt");
        Files.writeString(out, "earlier\n");
        create(sessionToFile(out, ""));
        Fire.syscall(state, OPENAT);
        manager.delete("t");
        Fire.syscall(state, OPENAT);
        assertThat(Files.readAllLines(out)).containsExactly(
                "earlier", "E openat fd=AT_FDCWD fd_path=\"/\" pathname=\"/etc/hosts\" flags=0x80000");
    }

    @Test
    void textSinkThatCannotOpenItsFileNamesThePath() {
        Path out = dir.resolve("missing-dir/trace.txt");
        assertThatThrownBy(() -> create(sessionToFile(out, "")))
                .isInstanceOf(SessionException.class)
                .hasMessageStartingWith("session \"t\", sink \"text\": sinks[0].config.path: cannot open \"" + out
                        + "\" for writing: ");
        assertThat(manager.list()).isEmpty();
        assertThat(state.enabled(OPENAT)).isFalse();
    }

    @Test
    void textSinkRejectsUnknownKeysAndNonStringPaths() {
        assertTextConfigRejected("{\"file\": \"x\"}", "sinks[0].config.file: unknown key (known: path, format, "
                + "string_limit, time, durations, verbose, only_pids, only_comms, only_paths, on_drop)");
        assertTextConfigRejected("{\"on_drop\": \"ignore\"}",
                "sinks[0].config.on_drop: must be one of \"count\", \"deny\", \"kill\", got \"ignore\"");
        assertTextConfigRejected("{\"path\": 3}", "sinks[0].config.path: must be a string, got 3");
    }

    /** The default session with one text sink configured by {@code config}, a JSON object. */
    private static String textSession(String config) {
        return "{\"sinks\": [{\"name\": \"text\", \"config\": " + config + "}]}";
    }

    /** Creating a text sink from {@code config} fails with exactly {@code message} after the session and sink. */
    private void assertTextConfigRejected(String config, String message) {
        assertThatThrownBy(() -> create(textSession(config)))
                .hasMessage("session \"Default\", sink \"text\": " + message);
    }

    @Test
    void nullSinkAcceptsEverythingAndTakesNoConfig() throws Exception {
        create("""
                {"points": [{"name": "syscall/openat/enter"}, {"name": "sentry/clone"}],
                 "sinks": [{"name": "null"}]}""");
        assertThat(Fire.syscall(state, OPENAT)).isZero();
        assertThat(Fire.clone(state)).isZero();
        assertThat(manager.list().getFirst().sinks().getFirst().name()).isEqualTo("null");
        assertThat(manager.list().getFirst().sinks().getFirst().status().dropped()).isZero();
        manager.deleteAll();
        assertThatThrownBy(() -> create("{\"sinks\": [{\"name\": \"null\", \"config\": {\"x\": 1}}]}"))
                .hasMessage("session \"Default\", sink \"null\": sinks[0].config.x: unknown key (this sink takes no configuration)");
    }
}

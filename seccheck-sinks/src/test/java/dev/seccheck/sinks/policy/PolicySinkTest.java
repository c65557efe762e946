package dev.seccheck.sinks.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.Credentials;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.syscall.Bind;
import dev.seccheck.proto.syscall.Connect;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.session.JsonSinkConfig;
import dev.seccheck.sink.NameChange;
import dev.seccheck.sink.ReachedFile;
import dev.seccheck.sink.ReachedPeer;
import dev.seccheck.sink.ScriptChain;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicySinkTest {

    private static final Catalog CATALOG = Catalog.standard();
    private static final Point OPENAT = point("syscall/openat/enter");
    private static final Point OPENAT_EXIT = point("syscall/openat/exit");
    private static final Point CONNECT = point("syscall/connect/enter");
    private static final Point BIND = point("syscall/bind/enter");
    private static final FieldSet FD_PATH_AND_CONTEXT = new FieldSet(FieldMask.of(0), ContextField.all());

    @TempDir
    Path tmp;

    @Test
    void deniesOpeningASecretWithTheConfiguredErrnoAndAllowsOtherPaths() throws Exception {
        Sink sink = sink("""
                {"rules": [{"point": "syscall/openat/enter", "match": {"pathname": "/etc/shadow"},
                            "action": "deny", "errno": "EACCES"}]}""", List.of(req(OPENAT)));

        assertThatThrownBy(() -> sink.syscall(OPENAT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN, open("/etc/shadow")))
                .isInstanceOfSatisfying(SecurityCheckException.class, e -> {
                    assertThat(e.errno()).isEqualTo(13);
                    assertThat(e.killTask()).isFalse();
                });
        sink.syscall(OPENAT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN, open("/etc/hostname"));
    }

    @Test
    void firstMatchingRuleWinsSoLoopbackIsAllowedBeforeTheCatchAllDeny() throws Exception {
        Sink sink = sink("""
                {"rules": [
                  {"point": "syscall/connect/enter", "match": {"family": "AF_INET", "ip": "127.0.0.0/8"}, "action": "allow"},
                  {"point": "syscall/connect/enter", "match": {"family": "AF_INET6", "ip": ["::1", "::ffff:127.0.0.0/104"]},
                   "action": "allow"},
                  {"point": "syscall/connect/enter", "match": {"family": ["AF_INET", "AF_INET6"]},
                   "action": "deny", "errno": "ENETUNREACH"}]}""", List.of(req(CONNECT)));

        sink.syscall(CONNECT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_CONNECT, connect(inet4(127, 0, 0, 1, 8080)));
        sink.syscall(CONNECT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_CONNECT, connect(inet6Loopback(443)));
        sink.syscall(CONNECT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_CONNECT, connect(unix("/run/x.sock")));
        assertThatThrownBy(() -> sink.syscall(CONNECT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_CONNECT,
                        connect(inet4(10, 1, 2, 3, 443))))
                .isInstanceOfSatisfying(SecurityCheckException.class, e -> assertThat(e.errno()).isEqualTo(101));
    }

    /**
     * A connect to the unspecified address goes to the local host ({@link ReachedPeer}): a rule on
     * the local host holds for it, and a rule on the address as named still does.
     */
    @Test
    void theAddressReachedIsDecidedBesideTheOneNamed() throws Exception {
        Sink sink = sink("""
                {"rules": [
                  {"point": "syscall/connect/enter", "match": {"ip": "127.0.0.0/8", "port": 5432}, "action": "deny"},
                  {"point": "syscall/connect/enter", "match": {"ip": "0.0.0.0", "port": 22}, "action": "deny"}]}""",
                List.of(req(CONNECT)));
        Connect toAny = connect(inet4(0, 0, 0, 0, 5432));
        ReachedPeer local = new ReachedPeer(inet4(127, 0, 0, 1, 5432));

        sink.syscall(CONNECT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_CONNECT, toAny);
        assertThatThrownBy(() -> ScopedValue.where(ReachedPeer.CURRENT, local).call(() -> {
            sink.syscall(CONNECT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_CONNECT, toAny);
            return null;
        })).isInstanceOf(SecurityCheckException.class);
        assertThatThrownBy(() -> ScopedValue.where(ReachedPeer.CURRENT, new ReachedPeer(inet4(127, 0, 0, 1, 22))).call(() -> {
            sink.syscall(CONNECT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_CONNECT, connect(inet4(0, 0, 0, 0, 22)));
            return null;
        })).as("the rule on the address named").isInstanceOf(SecurityCheckException.class);
    }

    /**
     * A bind whose address IPv4 reads as another ({@link ReachedPeer}: AF_UNSPEC taken as AF_INET)
     * is decided on that one too: the address named carries no port for the rule to match.
     */
    @Test
    void theAddressBoundIsDecidedBesideTheOneNamed() throws Exception {
        Sink sink = sink("""
                {"rules": [{"point": "syscall/bind/enter", "match": {"port": 40050}, "action": "deny"}]}""",
                List.of(req(BIND)));
        byte[] unspec = inet4(0, 0, 0, 0, 40050);
        unspec[0] = 0;
        Bind named = Bind.newBuilder().setSysno(49).setFd(3).setAddress(ByteString.copyFrom(unspec)).build();

        sink.syscall(BIND, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_BIND, named);
        assertThatThrownBy(() -> ScopedValue.where(ReachedPeer.CURRENT, new ReachedPeer(inet4(0, 0, 0, 0, 40050))).call(() -> {
            sink.syscall(BIND, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_BIND, named);
            return null;
        })).isInstanceOf(SecurityCheckException.class);
    }

    @Test
    void portRangesAndNegationMatchNumbers() throws Exception {
        Sink sink = sink("""
                {"rules": [{"point": "syscall/connect/enter",
                            "match": {"port": {"min": 1, "max": 1023}, "ip": {"not": "192.168.0.0/16"}},
                            "action": "kill"}]}""", List.of(req(CONNECT)));

        sink.syscall(CONNECT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_CONNECT, connect(inet4(10, 0, 0, 1, 8080)));
        sink.syscall(CONNECT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_CONNECT, connect(inet4(192, 168, 1, 1, 22)));
        assertThatThrownBy(() -> sink.syscall(CONNECT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_CONNECT,
                        connect(inet4(10, 0, 0, 1, 22))))
                .isInstanceOfSatisfying(SecurityCheckException.class, e -> assertThat(e.killTask()).isTrue());
    }

    @Test
    void globsPrefixesAndListElementsMatchStrings() throws Exception {
        Sink sink = sink("""
                {"rules": [
                  {"point": "sentry/execve", "match": {"argv": {"prefix": "--exfil"}}, "action": "deny"},
                  {"point": "sentry/execve", "match": {"binary_path": "/usr/bin/*sh"}, "action": "deny", "errno": 13}]}""",
                List.of(new PointReq(Point.EXECVE, FieldSet.EMPTY)));

        assertThatThrownBy(() -> sink.execve(FieldSet.EMPTY, ExecveInfo.newBuilder().setBinaryPath("/usr/bin/curl")
                        .addArgv("curl").addArgv("--exfiltrate").build()))
                .isInstanceOfSatisfying(SecurityCheckException.class, e -> assertThat(e.errno()).isEqualTo(1));
        assertThatThrownBy(() -> sink.execve(FieldSet.EMPTY, ExecveInfo.newBuilder().setBinaryPath("/usr/bin/bash").build()))
                .isInstanceOfSatisfying(SecurityCheckException.class, e -> assertThat(e.errno()).isEqualTo(13));
        sink.execve(FieldSet.EMPTY, ExecveInfo.newBuilder().setBinaryPath("/usr/bin/ls").addArgv("ls").build());
    }

    /**
     * A script's exec runs two programs: it is let through only when the rules let both through,
     * the interpreter decided as if executed by name, so an allow list must name the interpreter too
     * and a deny rule on it holds for every script it runs.
     */
    @Test
    void aScriptIsDecidedOnItsInterpreterToo() throws Exception {
        Sink sink = sink("""
                {"rules": [
                  {"point": "sentry/execve", "match": {"binary_path": "/usr/bin/perl"}, "action": "kill"},
                  {"point": "sentry/execve", "match": {"binary_path": {"prefix": "/opt/tools/"}}, "action": "allow"},
                  {"point": "sentry/execve", "match": {"binary_path": {"not": {"prefix": "/opt/tools/"}}}, "action": "deny"}]}""",
                List.of(new PointReq(Point.EXECVE, FieldSet.EMPTY)));
        ExecveInfo script = ExecveInfo.newBuilder().setBinaryPath("/opt/tools/run").addArgv("run").build();

        assertThatThrownBy(() -> execScript(sink, script, "/usr/bin/perl"))
                .isInstanceOfSatisfying(SecurityCheckException.class, e -> assertThat(e.killTask()).isTrue());
        assertThatThrownBy(() -> execScript(sink, script, "/usr/bin/python3"))
                .isInstanceOfSatisfying(SecurityCheckException.class, e -> assertThat(e.killTask()).isFalse());
        execScript(sink, script, "/opt/tools/interp");
        // Without a bound interpreter (a binary, or another sink's delivery) only the message counts.
        sink.execve(FieldSet.EMPTY, script);
        // A script the rules deny is denied whatever runs it.
        assertThatThrownBy(() -> execScript(sink, script.toBuilder().setBinaryPath("/tmp/x").build(), "/opt/tools/interp"))
                .isInstanceOf(SecurityCheckException.class);
    }

    /** A rule naming an executed file holds for it under another name: a hard link made before the policy loaded. */
    @Test
    void anExecutedFileIsNamedByDeviceAndInode() throws Exception {
        Path tool = Files.writeString(tmp.resolve("tool"), "");
        Path alias = Files.createLink(tmp.resolve("alias"), tool);
        Sink sink = sink("""
                {"rules": [{"point": "sentry/execve", "match": {"binary_path": "%s"}, "action": "deny"}]}"""
                .formatted(tool), List.of(new PointReq(Point.EXECVE, FieldSet.EMPTY)));
        ExecveInfo byAlias = ExecveInfo.newBuilder().setBinaryPath(alias.toString()).build();
        ReachedFile file = new ReachedFile((Long) Files.getAttribute(tool, "unix:dev"),
                (Long) Files.getAttribute(tool, "unix:ino"), 0);

        sink.execve(FieldSet.EMPTY, byAlias);
        assertThatThrownBy(() -> ScopedValue.where(ReachedFile.CURRENT, file).call(() -> {
            sink.execve(FieldSet.EMPTY, byAlias);
            return null;
        })).isInstanceOf(SecurityCheckException.class);
        // An allow list is not widened to other names: the hard link outside it is refused.
        Sink allowList = sink("""
                {"rules": [{"point": "sentry/execve", "match": {"binary_path": "%s"}, "action": "allow"},
                           {"point": "sentry/execve", "match": {"binary_path": {"not": "%s"}}, "action": "deny"}]}"""
                .formatted(tool, tool), List.of(new PointReq(Point.EXECVE, FieldSet.EMPTY)));
        assertThatThrownBy(() -> ScopedValue.where(ReachedFile.CURRENT, file).call(() -> {
            allowList.execve(FieldSet.EMPTY, byAlias);
            return null;
        })).isInstanceOf(SecurityCheckException.class);
        // The interpreter is named the same way.
        ExecveInfo script = ExecveInfo.newBuilder().setBinaryPath(tmp.resolve("script").toString()).build();
        ScriptChain viaAlias = new ScriptChain(List.of(
                new ScriptChain.Program(file, (f, m) -> m.toBuilder().setBinaryPath(alias.toString()).build())));
        assertThatThrownBy(() -> ScopedValue.where(ScriptChain.CURRENT, viaAlias).call(() -> {
            sink.execve(FieldSet.EMPTY, script);
            return null;
        })).isInstanceOf(SecurityCheckException.class);
    }

    /**
     * Delivers sentry/execve of {@code script} as the sentry does when the kernel ran the programs
     * {@code ran} after it: the scripts in between, then the interpreter.
     */
    private static void execScript(Sink sink, ExecveInfo script, String... ran) throws SecurityCheckException {
        ScriptChain chain = new ScriptChain(Stream.of(ran).map(name -> new ScriptChain.Program(null,
                (f, m) -> m.toBuilder().setBinaryPath(name).build())).toList());
        ScopedValue.where(ScriptChain.CURRENT, chain).call(() -> {
            sink.execve(FieldSet.EMPTY, script);
            return null;
        });
    }

    /**
     * A script whose {@code #!} line names another script runs that one too: a rule on the one in
     * the middle holds, decided as if it were executed by name.
     */
    @Test
    void aScriptInTheMiddleOfAChainIsDecided() throws Exception {
        Sink sink = sink("""
                {"rules": [{"point": "sentry/execve", "match": {"binary_path": "/opt/tools/wipe.sh"}, "action": "kill"}]}""",
                List.of(new PointReq(Point.EXECVE, FieldSet.EMPTY)));
        ExecveInfo outer = ExecveInfo.newBuilder().setBinaryPath("/tmp/run").addArgv("run").build();

        execScript(sink, outer, "/opt/tools/other.sh", "/bin/sh");
        assertThatThrownBy(() -> execScript(sink, outer, "/tmp/between", "/opt/tools/wipe.sh", "/bin/sh"))
                .isInstanceOfSatisfying(SecurityCheckException.class, e -> assertThat(e.killTask()).isTrue());
    }

    @Test
    void contextKeysMatchTheTaskThatFired() throws Exception {
        Sink sink = sink("""
                {"rules": [{"point": "syscall/openat/enter",
                            "match": {"process_name": "cat", "uid": {"min": 1000}, "pathname": {"prefix": "/home/"}},
                            "action": "deny"}]}""", List.of(new PointReq(OPENAT, FD_PATH_AND_CONTEXT)));

        Open byCatAsUser = open("/home/a/.ssh/id_rsa").toBuilder().setContextData(ctx("cat", 1000)).build();
        Open byCatAsRoot = open("/home/a/.ssh/id_rsa").toBuilder().setContextData(ctx("cat", 0)).build();
        Open byLs = open("/home/a/.ssh/id_rsa").toBuilder().setContextData(ctx("ls", 1000)).build();

        assertThatThrownBy(() -> sink.syscall(OPENAT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN, byCatAsUser))
                .isInstanceOf(SecurityCheckException.class);
        sink.syscall(OPENAT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN, byCatAsRoot);
        sink.syscall(OPENAT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN, byLs);
    }

    @Test
    void resolvedPathCatchesRelativeOpensOfTheSameFile() throws Exception {
        Sink sink = sink("""
                {"rules": [{"point": "syscall/openat/enter", "match": {"resolved_path": "/etc/shadow"}, "action": "deny"}]}""",
                List.of(new PointReq(OPENAT, FD_PATH_AND_CONTEXT)));

        Open relative = open("../etc/./shadow").toBuilder().setFdPath("/home").build();
        assertThatThrownBy(() -> sink.syscall(OPENAT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN, relative))
                .isInstanceOf(SecurityCheckException.class);
        sink.syscall(OPENAT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN,
                open("shadow").toBuilder().setFdPath("/tmp").build());
    }

    @Test
    void logRulesAllowAndWriteOneJsonAlertLine() throws Exception {
        Path alerts = tmp.resolve("alerts.jsonl");
        Sink sink = sink("""
                {"alerts": "%s",
                 "rules": [{"name": "watch ssh keys", "point": "syscall/openat/enter",
                            "match": {"pathname": {"glob": "*/.ssh/*"}}, "action": "log"}]}""".formatted(alerts),
                List.of(req(OPENAT)));

        sink.syscall(OPENAT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN, open("/root/.ssh/id_ed25519"));
        sink.syscall(OPENAT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN, open("/etc/hosts"));
        sink.stop();

        List<String> lines = Files.readAllLines(alerts);
        assertThat(lines).hasSize(1);
        var alert = new ObjectMapper().readTree(lines.get(0));
        assertThat(alert.get("action").asText()).isEqualTo("log");
        assertThat(alert.get("rule_name").asText()).isEqualTo("watch ssh keys");
        assertThat(alert.get("point").asText()).isEqualTo("syscall/openat/enter");
        assertThat(alert.get("matched").get("pathname").asText()).isEqualTo("/root/.ssh/id_ed25519");
    }

    @Test
    void alertValuesTheProgramChoseAreEscapedAndCut() throws Exception {
        Path alerts = tmp.resolve("alerts.jsonl");
        Sink sink = sink("""
                {"alerts": "%s",
                 "rules": [{"point": "syscall/openat/enter", "match": {"pathname": {"prefix": "/tmp/"}}, "action": "log"}]}"""
                .formatted(alerts), List.of(req(OPENAT)));
        String forged = "/tmp/x\n{\"alert\":\"forged\"}" + "y".repeat(5000);
        sink.syscall(OPENAT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN, open(forged));
        sink.stop();

        List<String> lines = Files.readAllLines(alerts);
        assertThat(lines).hasSize(1);
        String pathname = new ObjectMapper().readTree(lines.get(0)).get("matched").get("pathname").asText();
        assertThat(pathname).doesNotContain("\n").startsWith("/tmp/x\\n{\\\"alert")
                .endsWith("y\\...(" + (forged.length() - AlertValues.MAX_CHARS) + " more bytes)");
    }

    @Test
    void anyLinuxErrnoNameIsAccepted() throws Exception {
        // EOVERFLOW (75) lies in the range 41-87 that the first errno table lacked.
        Sink sink = sink("""
                {"rules": [{"point": "syscall/openat/enter", "action": "deny", "errno": "EOVERFLOW"}]}""",
                List.of(req(OPENAT)));
        assertThatThrownBy(() -> sink.syscall(OPENAT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN, open("/big")))
                .isInstanceOfSatisfying(SecurityCheckException.class, e -> assertThat(e.errno()).isEqualTo(75));
    }

    @Test
    void badRulesAreRejectedNamingTheRuleAndKey() {
        List<PointReq> openat = List.of(req(OPENAT));
        assertRejected("""
                {"rules": [{"point": "syscall/openat/enter", "action": "allow"},
                           {"point": "syscall/openat/enter", "match": {"port": 22}, "action": "deny"}]}""", openat,
                "sinks[0].config.rules[1].match.port: \"port\" needs a socket address");
        assertRejected("""
                {"rules": [{"point": "syscall/openat/enter", "match": {"pathnme": "/x"}, "action": "deny"}]}""", openat,
                "sinks[0].config.rules[0].match.pathnme: unknown key \"pathnme\"");
        assertRejected("""
                {"rules": [{"point": "syscall/openat/enter", "match": {"flags": {"prefix": "/"}}, "action": "deny"}]}""",
                openat, "sinks[0].config.rules[0].match.flags: \"prefix\" applies to strings only");
        assertRejected("""
                {"rules": [{"point": "syscall/openat/enter", "action": "deny", "errno": "EWHAT"}]}""", openat,
                "sinks[0].config.rules[0].errno: unknown errno \"EWHAT\"");
        assertRejected("""
                {"rules": [{"point": "syscall/openat/enter", "action": "block"}]}""", openat,
                "sinks[0].config.rules[0].action: unknown action \"block\"");
        assertRejected("""
                {"rules": [{"point": "syscall/connect/enter", "action": "deny"}]}""", openat,
                "sinks[0].config.rules[0].point: \"syscall/connect/enter\" names no point this session enables");
        assertRejected("""
                {"rules": [{"point": "syscall/openat/exit", "action": "deny"}]}""", List.of(req(OPENAT_EXIT)),
                "sinks[0].config.rules[0].action: \"deny\" cannot stop a syscall at its exit point");
        assertRejected("""
                {"rules": [{"point": "syscall/openat/enter", "match": {"process_name": "cat"}, "action": "deny"}]}""",
                openat, "needs the context field \"process_name\"");
        assertRejected("""
                {"rules": [{"point": "syscall/openat/enter", "match": {"resolved_path": "/etc/shadow"}, "action": "deny"}]}""",
                openat, "\"resolved_path\" needs the optional field \"fd_path\" or the context field \"cwd\"");
        assertRejected("""
                {"rules": [{"point": "syscall/nosuch/enter", "action": "deny"}]}""", openat,
                "sinks[0].config.rules[0].point: no point is named \"syscall/nosuch/enter\"");
        assertRejected("""
                {"rules": [{"point": "syscall/connect/enter", "match": {"ip": "999.1.1.1"}, "action": "deny"}]}""",
                List.of(req(CONNECT)), "sinks[0].config.rules[0].match.ip: \"999.1.1.1\" is not an IP address");
        assertRejected("{\"rule\": []}", openat, "sinks[0].config.rule: unknown key");
    }

    /**
     * A link or rename is refused when it takes a file out of a deny or kill rule's reach, judged
     * on the rule's path conditions alone (its process name may be met by another task later);
     * a new name the rules still reach, or a file no such rule reaches, goes through. A file the
     * rule names by device and inode is judged on the new name itself: the device and inode keep
     * it from this run's opens under any name, not from other users, nor from a later run once
     * its old name holds another file. Each refusal is an alert.
     */
    @Test
    void refusesANewNameThatTakesAFileOutOfAnEnforcingRulesReach() throws Exception {
        Path named = Files.writeString(tmp.resolve("named"), "x");
        Path alerts = tmp.resolve("alerts.jsonl");
        PointReq openat = new PointReq(OPENAT, FD_PATH_AND_CONTEXT);
        Sink sink = sink("""
                {"alerts": "%s", "rules": [
                  {"point": "syscall/openat/enter", "match": {"pathname": {"glob": "/p/open/**"}}, "action": "allow"},
                  {"name": "project only", "point": "syscall/openat/enter",
                   "match": {"pathname": {"not": {"glob": "/p/**"}}, "process_name": "cat"}, "action": "deny"},
                  {"name": "no keys", "point": "syscall/openat/enter", "match": {"pathname": {"glob": "*.key"}},
                   "action": "kill"},
                  {"point": "syscall/openat/enter", "match": {"pathname": {"glob": "/p/logged/*"}}, "action": "log"},
                  {"name": "one file", "point": "syscall/openat/enter", "match": {"pathname": "%s"}, "action": "deny"}]}"""
                .formatted(alerts, named), List.of(openat));
        java.util.Map<String, Object> id = Files.readAttributes(named, "unix:dev,ino,ctime");
        ReachedFile namedFile = new ReachedFile((long) id.get("dev"), (long) id.get("ino"),
                ((java.nio.file.attribute.FileTime) id.get("ctime")).to(java.util.concurrent.TimeUnit.NANOSECONDS));

        assertThat(sink.refuses(change("/o/a", "/p/a", null))).as("out of a negated rule").isTrue();
        assertThat(sink.refuses(change("/p/x.key", "/p/x.txt", null))).as("out of a relative glob, kill rule").isTrue();
        assertThat(sink.refuses(change("/o/a", "/o/b", null))).as("within the denied names").isFalse();
        assertThat(sink.refuses(change("/p/a", "/o/a", null))).as("into the denied names").isFalse();
        assertThat(sink.refuses(change("/p/logged/a", "/p/b", null))).as("a log rule keeps nothing").isFalse();
        // Still *.key, but an allow rule before "no keys" lets every task open it there.
        assertThat(sink.refuses(change("/p/b.key", "/p/open/b.key", null))).as("let through there").isTrue();
        assertThat(sink.refuses(change(named.toString(), "/o/moved", namedFile))).as("named by its inode").isTrue();
        assertThat(sink.refuses(change(named.toString(), "/o/moved", null))).as("no inode to go by").isTrue();

        List<String> lines = Files.readAllLines(alerts);
        assertThat(lines).hasSize(5);
        com.fasterxml.jackson.databind.JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertThat(first.path("rule_name").asText()).isEqualTo("project only");
        assertThat(first.path("action").asText()).isEqualTo("deny");
        assertThat(first.path("errno").asText()).isEqualTo("EPERM");
        assertThat(first.path("syscall").asText()).isEqualTo("renameat2");
        assertThat(first.path("process_name").asText()).isEqualTo("mv");
        assertThat(first.path("renaming").path("from").asText()).isEqualTo("/o/a");
        assertThat(first.path("renaming").path("to").asText()).isEqualTo("/p/a");
        assertThat(new ObjectMapper().readTree(lines.get(1)).path("rule_name").asText()).isEqualTo("no keys");
        assertThat(new ObjectMapper().readTree(lines.get(2)).path("renaming").path("why").asText())
                .isEqualTo("rule 0, before it, lets every task open the file under the new name");
        assertThat(new ObjectMapper().readTree(lines.get(3)).path("rule_name").asText()).isEqualTo("one file");
        assertThat(new ObjectMapper().readTree(lines.get(4)).path("rule_name").asText()).isEqualTo("one file");
    }

    /**
     * The mode, owner or an extended attribute of a directory above names a deny rule on opening
     * files may reach is refused as the same change of a kept file is: it changes who else may
     * reach them (a directory made 0755 above a 0644 key), up to the root. A directory no such
     * name is below, a file, a rule for another program, a glob without an absolute start (its
     * names are matched wherever they are) and a directory's times go through.
     */
    @Test
    void refusesChangingWhoMayReachADirectoryAboveKeptNames() throws Exception {
        Path alerts = tmp.resolve("alerts.jsonl");
        Sink sink = sink("""
                {"alerts": "%s", "rules": [
                  {"point": "syscall/openat/enter", "match": {"pathname": {"prefix": "/srv/keys/pub"}},
                   "action": "allow"},
                  {"name": "keys", "point": "syscall/openat/enter", "match": {"pathname": {"glob": "/srv/keys/**"}},
                   "action": "deny"},
                  {"name": "one file", "point": "syscall/openat/enter", "match": {"pathname": "/etc/app/secret"},
                   "action": "deny"},
                  {"name": "curl", "point": "syscall/openat/enter", "match": {"pathname": {"prefix": "/data/"},
                   "process_name": "curl"}, "action": "deny"},
                  {"name": "relative", "point": "syscall/openat/enter", "match": {"pathname": {"glob": "*.pem"}},
                   "action": "deny"}]}""".formatted(alerts), List.of(new PointReq(OPENAT, FD_PATH_AND_CONTEXT)));

        assertThat(sink.refuses(access("chmod", "/srv/keys", true))).as("the kept names' directory").isTrue();
        assertThat(sink.refuses(access("fchown", "/srv", true))).as("one above").isTrue();
        assertThat(sink.refuses(access("setxattr", "/", true))).as("the root").isTrue();
        assertThat(sink.refuses(access("chmod", "/srv/keys/pub", true))).as("allowed itself, kept names below")
                .isTrue();
        assertThat(sink.refuses(access("fsetxattr", "/etc/app", true))).as("above an exact name").isTrue();
        assertThat(sink.refuses(access("chmod", "/srv/other", true))).as("no kept name below").isFalse();
        assertThat(sink.refuses(access("chmod", "/srv/keysx", true))).isFalse();
        assertThat(sink.refuses(access("chmod", "/etc/app/secretdir", true))).isFalse();
        assertThat(sink.refuses(access("chmod", "/home/u", true))).as("*.pem is matched wherever it is").isFalse();
        assertThat(sink.refuses(access("chmod", "/data", true))).as("not curl").isFalse();
        assertThat(sink.refuses(NameChange.accessChanged("chmod", 42, 43, "curl", "/data", null, true))).isTrue();
        assertThat(sink.refuses(access("chmod", "/srv", false))).as("a file: its own name decides").isFalse();
        assertThat(sink.refuses(NameChange.altered("utimensat", 42, 43, "touch", "/srv/keys", null)))
                .as("times change no one's reach").isFalse();

        List<com.fasterxml.jackson.databind.JsonNode> lines = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(alerts)) {
            lines.add(new ObjectMapper().readTree(line));
        }
        assertThat(lines).extracting(a -> a.path("rule_name").asText() + " " + a.path("syscall").asText() + " "
                + a.path("altering").path("name").asText()).containsExactly("keys chmod /srv/keys", "keys fchown /srv",
                        "keys setxattr /", "keys chmod /srv/keys/pub", "one file fsetxattr /etc/app",
                        "curl chmod /data");
        assertThat(lines).allMatch(a -> a.path("errno").asText().equals("EPERM")
                && a.path("altering").path("why").asText().contains("names the rule denies below that directory"));
    }

    /**
     * A directory on the way to a deny rule's names is known by device and inode too: under
     * another name (a bind mount's, which the kernel names its files by) its mode change, a name
     * made in it and an open that makes a file there are judged under the rule's name for it. A
     * directory off the rule's way, and a change with no directory given, are judged by name
     * alone, as before; a directory made on the way after the load is known once made.
     */
    @Test
    void judgesADirectoryOnAKeptPathUnderEveryNameOfIt() throws Exception {
        Path kept = Files.createDirectories(tmp.resolve("kept/sd"));
        Files.writeString(kept.resolve("key"), "secret");
        Path pub = Files.createDirectories(tmp.resolve("kept/pub"));
        Sink sink = sink("""
                {"rules": [
                  {"name": "keys", "point": "syscall/openat/enter", "match": {"pathname": {"glob": "%s/**"}},
                   "action": "deny", "errno": "EACCES"},
                  {"name": "late", "point": "syscall/openat/enter", "match": {"pathname": "%s/late/sd/key"},
                   "action": "deny"}]}""".formatted(kept, tmp), List.of(new PointReq(OPENAT, FD_PATH_AND_CONTEXT)));
        NameChange.Parent sd = new NameChange.Parent("/mnt/alias/sd", dir(kept));
        NameChange.Parent other = new NameChange.Parent("/mnt/alias/pub", dir(pub));

        assertThat(sink.refuses(NameChange.accessChanged("chmod", 42, 43, "sh", "/mnt/alias/sd", dir(kept), true)))
                .as("the kept directory by another name").isTrue();
        assertThat(sink.refuses(NameChange.accessChanged("chmod", 42, 43, "sh", "/mnt/alias", dir(kept.getParent()),
                true))).as("one above it").isTrue();
        assertThat(sink.refuses(NameChange.accessChanged("chmod", 42, 43, "sh", "/mnt/alias/pub", dir(pub), true)))
                .as("off the rule's way").isFalse();
        assertThat(sink.refuses(NameChange.created("mkdir", 42, 43, "sh", "/mnt/alias/sd/new", false).in(sd)))
                .as("a name made in it").isTrue();
        assertThat(sink.refuses(change("/mnt/alias/pub/x", "/mnt/alias/sd/key", null).in(sd)))
                .as("a rename over the key").isTrue();
        assertThat(sink.refuses(NameChange.created("symlink", 42, 43, "sh", "/mnt/alias/pub/l", true).in(other)))
                .isFalse();
        assertThat(sink.refuses(NameChange.created("mkdir", 42, 43, "sh", "/mnt/alias/sd/new", false)))
                .as("no directory given: by name").isFalse();
        assertThatThrownBy(() -> ScopedValue.where(NameChange.Parent.CREATING, sd).call(() -> {
            sink.syscall(OPENAT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN, open("/mnt/alias/sd/new"));
            return null;
        })).as("an open making a file in it").isInstanceOf(SecurityCheckException.class);
        ScopedValue.where(NameChange.Parent.CREATING, other).call(() -> {
            sink.syscall(OPENAT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN, open("/mnt/alias/pub/new"));
            return null;
        });

        // Missing at the load, made since: known once made.
        Path late = Files.createDirectories(tmp.resolve("late/sd"));
        NameChange.Parent lateSd = new NameChange.Parent("/mnt/late/sd", dir(late));
        assertThat(sink.refuses(change("/mnt/late/x", "/mnt/late/sd/key", null).in(lateSd))).as("made since").isTrue();
        assertThat(sink.refuses(change("/mnt/late/x", "/mnt/late/sd/other", null).in(lateSd))).isFalse();
    }

    /** The device, inode and ctime of directory {@code d}. */
    private static ReachedFile dir(Path d) throws Exception {
        return new ReachedFile((Long) Files.getAttribute(d, "unix:dev"), (Long) Files.getAttribute(d, "unix:ino"),
                ((java.nio.file.attribute.FileTime) Files.getAttribute(d, "unix:ctime"))
                        .to(java.util.concurrent.TimeUnit.NANOSECONDS));
    }

    private static NameChange access(String syscall, String name, boolean directory) {
        return NameChange.accessChanged(syscall, 42, 43, "sh", name, null, directory);
    }

    /**
     * Under "allow the workspace, deny the rest of the tree", a link or rename of a file the deny
     * rule keeps into the workspace takes it out of the rule's reach as surely as a name the rule
     * does not match: refused. Before, a hard link into the workspace was let through and the
     * secret read there. A move within the workspace goes through, and so does one to a name an
     * allow rule lets one process open (the rule is that process's).
     */
    @Test
    void refusesMovingAKeptFileUnderAnEarlierAllowRule() throws Exception {
        Sink sink = sink("""
                {"rules": [
                  {"name": "workspace", "point": "syscall/openat/enter", "match": {"pathname": {"prefix": "/w/pub/"}},
                   "action": "allow"},
                  {"point": "syscall/openat/enter", "match": {"pathname": "/w/tool.conf", "process_name": "tool"},
                   "action": "allow"},
                  {"name": "tree", "point": "syscall/openat/enter", "match": {"pathname": {"prefix": "/w/"}},
                   "action": "deny"}]}""", List.of(new PointReq(OPENAT, FD_PATH_AND_CONTEXT)));

        assertThat(sink.refuses(change("/w/secret/key.txt", "/w/pub/y", null))).as("into the workspace").isTrue();
        assertThat(sink.refuses(change("/w/pub/a", "/w/pub/b", null))).as("within the workspace").isFalse();
        assertThat(sink.refuses(NameChange.moved("linkat", 42, 43, "tool", "/w/secret/key.txt", "/w/tool.conf", null,
                false, false))).as("an allow rule for one process does not let every task through").isFalse();
    }

    /**
     * A name the rules on opening files deny the task cannot be given another file, removed or
     * emptied either, decided in the rules' order as the task's open of it would be: an allow rule
     * before lets it through, a rule for another process name does not hold, a condition a name
     * change cannot be checked on (the open's flags) is taken to hold for a deny rule and not for
     * an allow rule, and a deny rule on no path (a uid) does not decide names. A symbolic link, or
     * a moved directory, is refused where it would lead names a deny rule reaches.
     */
    @Test
    void refusesGivingRemovingOrEmptyingANameTheTaskCouldNotOpen() throws Exception {
        Path alerts = tmp.resolve("alerts.jsonl");
        Sink sink = sink("""
                {"alerts": "%s", "rules": [
                  {"point": "syscall/openat/enter", "match": {"pathname": "/etc/shadow", "process_name": "passwd"},
                   "action": "allow"},
                  {"point": "syscall/openat/enter", "match": {"pathname": "/etc/motd", "flags": 0}, "action": "allow"},
                  {"name": "etc", "point": "syscall/openat/enter", "match": {"pathname": {"glob": "/etc/*"}},
                   "action": "deny"},
                  {"name": "curl", "point": "syscall/openat/enter", "match": {"pathname": {"prefix": "/data/"},
                   "process_name": "curl"}, "action": "deny"},
                  {"name": "app", "point": "syscall/openat/enter", "match": {"pathname": "/srv/app/conf/secret"},
                   "action": "deny"},
                  {"point": "syscall/openat/enter", "match": {"pathname": {"glob": "/var/log/*"}}, "action": "log"},
                  {"name": "writes", "point": "syscall/openat/enter",
                   "match": {"pathname": {"glob": "/var/*"}, "flags": 1}, "action": "deny"},
                  {"name": "a user", "point": "syscall/openat/enter", "match": {"uid": 1000}, "action": "deny"}]}"""
                .formatted(alerts), List.of(new PointReq(OPENAT, FD_PATH_AND_CONTEXT)));

        assertThat(sink.refuses(change("/tmp/x", "/etc/passwd", null))).as("renamed over").isTrue();
        assertThat(sink.refuses(NameChange.moved("renameat2", 42, 43, "mv", "/tmp/nshadow", "/etc/shadow", null,
                false, false))).as("the allow rule is passwd's").isTrue();
        assertThat(sink.refuses(NameChange.moved("renameat2", 42, 43, "passwd", "/tmp/nshadow", "/etc/shadow", null,
                false, false))).as("an allow rule first").isFalse();
        assertThat(sink.refuses(change("/tmp/m", "/etc/motd", null))).as("an allow rule on flags, unchecked").isTrue();
        assertThat(sink.refuses(NameChange.removed("unlink", 42, 43, "rm", "/etc/hosts", null))).isTrue();
        assertThat(sink.refuses(NameChange.altered("truncate", 42, 43, "sh", "/etc/hosts", null))).isTrue();
        assertThat(sink.refuses(NameChange.created("mkdir", 42, 43, "mkdir", "/etc/new", false))).isTrue();
        assertThat(sink.refuses(NameChange.created("mkdir", 42, 43, "mkdir", "/tmp/new", false)))
                .as("a rule on who opens, not on what, does not decide names").isFalse();
        assertThat(sink.refuses(NameChange.removed("unlink", 42, 43, "rm", "/data/a", null))).as("not curl").isFalse();
        assertThat(sink.refuses(NameChange.removed("unlink", 42, 43, "curl", "/data/a", null))).isTrue();
        assertThat(sink.refuses(NameChange.removed("unlink", 42, 43, "rm", "/var/log/syslog", null)))
                .as("a log rule first").isFalse();
        assertThat(sink.refuses(NameChange.removed("unlink", 42, 43, "rm", "/var/cache", null))).as("flags unchecked: deny")
                .isTrue();
        assertThat(sink.refuses(NameChange.created("symlinkat", 42, 43, "ln", "/srv/app", true)))
                .as("a symlink above a denied name").isTrue();
        assertThat(sink.refuses(NameChange.created("symlinkat", 42, 43, "ln", "/srv/app/conf", true))).isTrue();
        assertThat(sink.refuses(NameChange.created("mkdirat", 42, 43, "mkdir", "/srv/app", false)))
                .as("a directory there leads nowhere else").isFalse();
        assertThat(sink.refuses(NameChange.created("symlinkat", 42, 43, "ln", "/srv/other", true))).isFalse();
        assertThat(sink.refuses(NameChange.moved("renameat2", 42, 43, "mv", "/tmp/l", "/srv/app", null, true, false)))
                .as("a symlink moved above a denied name").isTrue();
        assertThat(sink.refuses(NameChange.moved("renameat2", 42, 43, "mv", "/tmp/ok", "/srv/app", null, false, true)))
                .as("a directory moved above a denied name").isTrue();
        assertThat(sink.refuses(NameChange.moved("renameat2", 42, 43, "mv", "/tmp/ok", "/srv/other", null, false, true)))
                .isFalse();
        assertThat(sink.refuses(NameChange.created("symlinkat", 42, 43, "ln", "/data", true))).as("not curl").isFalse();
        assertThat(sink.refuses(NameChange.created("symlinkat", 42, 43, "curl", "/data", true))).isTrue();

        List<com.fasterxml.jackson.databind.JsonNode> lines = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(alerts)) {
            lines.add(new ObjectMapper().readTree(line));
        }
        assertThat(lines).extracting(a -> a.path("rule_name").asText("-") + " " + a.path("syscall").asText())
                .containsExactly("etc renameat2", "etc renameat2", "etc renameat2", "etc unlink", "etc truncate",
                        "etc mkdir", "curl unlink", "writes unlink", "app symlinkat", "app symlinkat", "app renameat2",
                        "app renameat2", "curl symlinkat");
        assertThat(lines.get(3).path("removing").path("name").asText()).isEqualTo("/etc/hosts");
        assertThat(lines.get(4).path("altering").path("name").asText()).isEqualTo("/etc/hosts");
        assertThat(lines.get(8).path("creating").path("symlink").asBoolean()).isTrue();
        assertThat(lines.get(8).path("creating").path("why").asText()).contains("symbolic link");
    }

    /** Paths below a directory a matcher may match, or must: what a symlink at the directory would redirect. */
    @Test
    void matchersTellWhatMayMatchBelowADirectory() {
        assertThat(new Matcher.Exact("/a/b/c").mayMatchBelow("/a")).isTrue();
        assertThat(new Matcher.Exact("/a/b/c").mayMatchBelow("/a/b/c")).isFalse();
        assertThat(new Matcher.Exact("/ab").mayMatchBelow("/a")).isFalse();
        assertThat(new Matcher.Prefix("/etc/cron").mayMatchBelow("/etc")).isTrue();
        assertThat(new Matcher.Prefix("/etc/cron").mayMatchBelow("/etc/cron.d")).isTrue();
        assertThat(new Matcher.Prefix("/etc/cron").mayMatchBelow("/usr")).isFalse();
        assertThat(Matcher.Glob.of("/etc/cron.d/*").mayMatchBelow("/etc")).isTrue();
        assertThat(Matcher.Glob.of("/etc/cron.d/*").mayMatchBelow("/etc/cron.d/x")).as("* crosses /").isTrue();
        assertThat(Matcher.Glob.of("/etc/cron.d/*").mayMatchBelow("/usr/lib")).isFalse();
        assertThat(Matcher.Glob.of("*.key").mayMatchBelow("/anywhere")).as("matched at the target too").isFalse();
        assertThat(Matcher.Glob.of("/home/*/.ssh/*").mayMatchBelow("/home/u")).isTrue();
        assertThat(Matcher.Glob.of("/work/**").matchesAllBelow("/work/x")).isTrue();
        assertThat(Matcher.Glob.of("/work/*.c").matchesAllBelow("/work/x")).isFalse();
        Matcher outside = new Matcher.Not(Matcher.Glob.of("/work/**"));
        assertThat(outside.mayMatchBelow("/work/build")).as("all below is inside /work").isFalse();
        assertThat(outside.mayMatchBelow("/tmp")).isTrue();
        assertThat(new Matcher.AnyOf(List.of(new Matcher.Exact("/x/y"), new Matcher.Exact("/z"))).mayMatchBelow("/x"))
                .isTrue();
    }

    /** Whether every name below one directory is decided as the same name below another. */
    @Test
    void matchersTellWhetherNamesBelowTwoDirectoriesAreDecidedAlike() {
        assertThat(Matcher.Glob.of("*.key").decidesAlikeBelow("/w/a/b", "/w/c/b")).as("by the name's end").isTrue();
        assertThat(Matcher.Glob.of("*/sec/*.txt").decidesAlikeBelow("/w/sec/sub", "/w/pub/sub")).isFalse();
        assertThat(Matcher.Glob.of("*/sec/*.txt").decidesAlikeBelow("/w/a/sub", "/w/b/sub")).isTrue();
        assertThat(Matcher.Glob.of("/etc/cron.d/*").decidesAlikeBelow("/tmp/a", "/tmp/b")).isTrue();
        assertThat(Matcher.Glob.of("/etc/cron.d/*").decidesAlikeBelow("/etc/cron.d/a", "/tmp/b")).isFalse();
        assertThat(new Matcher.Exact("/etc/shadow").decidesAlikeBelow("/tmp/a", "/tmp/b")).isTrue();
        assertThat(new Matcher.Exact("/etc/shadow").decidesAlikeBelow("/etc", "/tmp/b")).isFalse();
        assertThat(new Matcher.Prefix("/etc/cron").decidesAlikeBelow("/etc/cron.d", "/etc/cron.x")).as("all below both")
                .isTrue();
        assertThat(new Matcher.Prefix("/etc/cron").decidesAlikeBelow("/etc", "/etc")).isTrue();
        assertThat(new Matcher.Prefix("/etc/cron").decidesAlikeBelow("/etc", "/usr")).isFalse();
        assertThat(new Matcher.Prefix("/etc/cron").decidesAlikeBelow("/usr", "/tmp")).as("none below either").isTrue();
        assertThat(new Matcher.Not(Matcher.Glob.of("/work/**")).decidesAlikeBelow("/work/a", "/tmp/a")).isFalse();
        assertThat(new Matcher.AnyOf(List.of(Matcher.Glob.of("*.key"), Matcher.Glob.of("*/sec/*")))
                .decidesAlikeBelow("/w/sec", "/w/pub")).isFalse();
        assertThat(new Matcher.Range(0, 10).decidesAlikeBelow("/a", "/b")).as("no path matches").isTrue();
        assertThat(Matcher.Glob.of("*/sec/*.txt").mayLoseBelow("/w/sec", "/w/pub")).isTrue();
        assertThat(Matcher.Glob.of("/tmp/**").mayLoseBelow("/home/d", "/tmp/e")).as("into it").isFalse();
        assertThat(Matcher.Glob.of("*.key").mayLoseBelow("/w/a", "/v/b")).isFalse();
    }

    /**
     * A mount below a moved directory covers names seccheck cannot list: the move is refused, with
     * an alert, where a rule may decide one of them otherwise under the new name (red-team round
     * 16, A F2), and goes through where every rule decides them alike.
     */
    @Test
    void namesAMountCoversAreMovedOnlyWhereEveryRuleDecidesThemAlike() throws Exception {
        Path alerts = tmp.resolve("alerts.jsonl");
        Sink sink = sink("""
                {"alerts": "%s", "rules": [
                  {"point": "syscall/openat/enter", "match": {"pathname": {"glob": "*/sec/*.txt"}}, "action": "deny"},
                  {"point": "syscall/openat/enter", "match": {"pathname": {"glob": "*.key"}}, "action": "deny"},
                  {"point": "syscall/openat/enter", "match": {"pathname": {"glob": "/p/logged/*"}}, "action": "log"}]}"""
                .formatted(alerts), List.of(new PointReq(OPENAT, FD_PATH_AND_CONTEXT)));
        NameChange out = NameChange.moved("renameat2", 42, 43, "mv", "/w/sec", "/w/pub", null, false, true)
                .below("sub", null, false, true);
        assertThat(sink.refusesCovered(out)).isTrue();
        assertThat(sink.refusesCovered(change("/w/a/b", "/w/c/b", null))).as("no rule tells them apart").isFalse();
        assertThat(sink.refusesCovered(change("/w/a/b", "/p/logged", null))).as("a log rule's names too").isTrue();
        List<String> lines = Files.readAllLines(alerts);
        assertThat(lines).hasSize(2);
        com.fasterxml.jackson.databind.JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertThat(first.path("renaming").path("from").asText()).isEqualTo("/w/sec/sub");
        assertThat(first.path("renaming").path("why").asText()).contains("a mount covers the names below it");
    }

    /**
     * A rule denying binds at unix paths decides every name given to a file as a bind of a socket
     * there: a rename or link to a denied path fails with the rule's errno (or kills), a symbolic
     * link or a directory moved at or above one too, while a regular file moved above one, a name
     * an allow rule before it lets through, and removals are not its to decide. A rule on ports
     * alone does not decide names.
     */
    @Test
    void aRuleOnBindingAtUnixPathsDecidesTheNamesGivenToSockets() throws Exception {
        Path alerts = tmp.resolve("socket-names.jsonl");
        PointReq bind = new PointReq(BIND, FD_PATH_AND_CONTEXT);
        Sink sink = sink("""
                {"alerts": "%s", "rules": [
                  {"effect": "bind_network", "match": {"unix_path": {"glob": "/run/agent/ok*"}}, "action": "allow"},
                  {"name": "no port", "effect": "bind_network", "match": {"port": 80}, "action": "deny"},
                  {"name": "no impostor", "effect": "bind_network", "match": {"unix_path": {"glob": "/run/agent/*.sock"}},
                   "action": "deny", "errno": "EACCES"},
                  {"name": "no k", "effect": "bind_network", "match": {"unix_path": "/run/k.sock"}, "action": "kill"}]}"""
                .formatted(alerts), List.of(bind));
        assertThat(sink.decidesSocketNames()).isTrue();
        assertThat(sink("""
                {"rules": [{"effect": "bind_network", "match": {"port": 80}, "action": "deny"}]}""", List.of(bind))
                .decidesSocketNames()).as("a rule on ports alone").isFalse();

        assertThatThrownBy(() -> sink.decideSocketName(change("/tmp/o.sock", "/run/agent/a.sock", null)))
                .isInstanceOfSatisfying(SecurityCheckException.class, e -> assertThat(e.errno()).isEqualTo(13));
        assertThatThrownBy(() -> sink.decideSocketName(NameChange.created("symlinkat", 42, 43, "ln", "/run/agent", true)))
                .as("a symbolic link above").isInstanceOf(SecurityCheckException.class);
        assertThatThrownBy(() -> sink.decideSocketName(NameChange.moved("rename", 42, 43, "mv", "/tmp/d", "/run/agent",
                null, false, true))).as("a directory moved above").isInstanceOf(SecurityCheckException.class);
        assertThatThrownBy(() -> sink.decideSocketName(NameChange.created("mknod", 42, 43, "mknod", "/run/k.sock", false)))
                .isInstanceOfSatisfying(SecurityCheckException.class, e -> assertThat(e.killTask()).isTrue());
        sink.decideSocketName(change("/tmp/f", "/run/agent", null)); // a file moved above: no socket below it
        sink.decideSocketName(change("/tmp/o.sock", "/run/agent/ok.sock", null)); // allowed there first
        sink.decideSocketName(change("/tmp/o.sock", "/run/other.sock", null));
        sink.decideSocketName(NameChange.removed("unlink", 42, 43, "rm", "/run/agent/a.sock", null));

        // A pattern without an absolute start: a directory moved to "run" brings the socket bound
        // in it elsewhere to a name the rule denies (red-team round 17); one moved to "tmp" does not.
        Sink anywhere = sink("""
                {"rules": [{"effect": "bind_network", "match": {"unix_path": {"glob": "*/run/*.sock"}}, "action": "deny"}]}""",
                List.of(bind));
        assertThatThrownBy(() -> anywhere.decideSocketName(NameChange.moved("rename", 42, 43, "mv", "/w/tmp", "/w/run",
                null, false, true))).as("a directory moved to run").isInstanceOf(SecurityCheckException.class);
        // Every name below tmp that the rule denies it denies below run too: nothing comes in.
        anywhere.decideSocketName(NameChange.moved("rename", 42, 43, "mv", "/w/run", "/w/tmp", null, false, true));
        // A symbolic link made as run: by where its text leads; one whose text does not tell is refused.
        assertThatThrownBy(() -> anywhere.decideSocketName(NameChange.symlinked("symlink", 42, 43, "ln", "/w/run",
                "/w/tmp"))).as("a link run to tmp").isInstanceOf(SecurityCheckException.class);
        anywhere.decideSocketName(NameChange.symlinked("symlink", 42, 43, "ln", "/w/run", "/v/run"));
        assertThatThrownBy(() -> anywhere.decideSocketName(NameChange.symlinked("symlink", 42, 43, "ln", "/w/run",
                null))).as("a link with a '..'").isInstanceOf(SecurityCheckException.class);
        // What matches below lib (run/x.sock) matches below every directory, wherever a link leads.
        anywhere.decideSocketName(NameChange.symlinked("symlink", 42, 43, "ln", "/w/lib", null));
        assertThatThrownBy(() -> anywhere.decideSocketName(NameChange.moved("rename", 42, 43, "mv", "/w/l", "/w/run",
                null, true, false))).as("a link moved to run").isInstanceOf(SecurityCheckException.class);
        // A pattern that decides what is below every directory alike: no link leads a name into it.
        sink("""
                {"rules": [{"effect": "bind_network", "match": {"unix_path": {"glob": "*.sock"}}, "action": "deny"}]}""",
                List.of(bind)).decideSocketName(NameChange.symlinked("symlink", 42, 43, "ln", "/w/lib", null));

        List<String> lines = Files.readAllLines(alerts);
        assertThat(lines).hasSize(4);
        com.fasterxml.jackson.databind.JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertThat(first.path("rule_name").asText()).isEqualTo("no impostor");
        assertThat(first.path("errno").asText()).isEqualTo("EACCES");
        assertThat(first.path("point").asText()).isEqualTo("syscall/bind/enter");
        assertThat(first.path("renaming").path("to").asText()).isEqualTo("/run/agent/a.sock");
        assertThat(new ObjectMapper().readTree(lines.get(3)).path("action").asText()).isEqualTo("kill");
    }

    /**
     * A rename takes a file out of a deny or kill rule on what runs when the rule's
     * {@code binary_path} holds under its name now and not under the new one, a directory when a
     * name below it may be one the rule names; nothing is refused or alerted for it (the sentry
     * remembers the file). A rule on other keys, or an allow rule, moves nothing out; a link is
     * no rename (the kernel keeps naming an executed file by the name the exec used). Only a deny
     * or kill rule on {@code binary_path} decides on executed files (the sentry then performs renames).
     */
    @Test
    void aRenameOutOfARuleOnWhatRunsIsToldApart() throws Exception {
        Path alerts = tmp.resolve("alerts.jsonl");
        Sink sink = sink("""
                {"alerts": "%s", "rules": [
                  {"point": "sentry/execve", "match": {"binary_path": {"prefix": "/opt/ok/"}}, "action": "allow"},
                  {"point": "sentry/execve", "match": {"argv": {"prefix": "--exfil"}}, "action": "deny"},
                  {"point": "sentry/execve", "match": {"binary_path": {"glob": "/tmp/**"}, "argv": {"prefix": "sh"}},
                   "action": "kill"}]}""".formatted(alerts), List.of(new PointReq(Point.EXECVE, FieldSet.EMPTY)));

        assertThat(sink.movesOutOfWhatRuns(change("/tmp/x", "/home/u/x", null))).as("out of the glob").isTrue();
        assertThat(sink.movesOutOfWhatRuns(change("/tmp/x", "/tmp/y", null))).as("within it").isFalse();
        assertThat(sink.movesOutOfWhatRuns(change("/home/u/x", "/tmp/x", null))).as("into it").isFalse();
        assertThat(sink.movesOutOfWhatRuns(change("/opt/ok/x", "/home/u/x", null))).as("an allow rule's").isFalse();
        assertThat(sink.movesOutOfWhatRuns(NameChange.moved("renameat2", 42, 43, "mv", "/tmp/d", "/tmp/e", null, false,
                true))).as("a directory, names below it").isTrue();
        assertThat(sink.movesOutOfWhatRuns(NameChange.moved("renameat2", 42, 43, "mv", "/home/d", "/tmp/e", null, false,
                true))).as("a directory with no name below it denied").isFalse();
        assertThat(sink.refuses(change("/tmp/x", "/home/u/x", null))).as("not refused").isFalse();
        assertThat(Files.exists(alerts) ? Files.readAllLines(alerts) : List.of()).as("no alert").isEmpty();

        // Patterns without an absolute start: a directory moves names out of one that names a
        // directory (red-team round 17), and out of one that ends the name none.
        Sink anywhere = sink("""
                {"rules": [
                  {"point": "sentry/execve", "match": {"binary_path": {"glob": "*/denied/**"}}, "action": "kill"},
                  {"point": "sentry/execve", "match": {"binary_path": {"glob": "*.bin"}}, "action": "kill"}]}""",
                List.of(new PointReq(Point.EXECVE, FieldSet.EMPTY)));
        assertThat(anywhere.movesOutOfWhatRuns(NameChange.moved("renameat2", 42, 43, "mv", "/w/denied", "/w/ok", null,
                false, true))).as("a directory named by the pattern").isTrue();
        assertThat(anywhere.movesOutOfWhatRuns(NameChange.moved("renameat2", 42, 43, "mv", "/w/a", "/v/b", null,
                false, true))).as("a directory neither pattern tells from its new name").isFalse();
        assertThat(anywhere.movesOutOfWhatRuns(change("/w/x.bin", "/w/x", null))).as("a file out of *.bin").isTrue();

        Sink noPaths = sink("""
                {"rules": [{"point": "sentry/execve", "match": {"argv": {"prefix": "--exfil"}}, "action": "deny"}]}""",
                List.of(new PointReq(Point.EXECVE, FieldSet.EMPTY)));
        assertThat(noPaths.movesOutOfWhatRuns(change("/tmp/x", "/home/u/x", null))).isFalse();
        assertThat(sink.decidesExecutedFiles()).as("a kill rule on binary_path").isTrue();
        assertThat(noPaths.decidesExecutedFiles()).as("a rule on argv alone").isFalse();
        assertThat(sink("""
                {"rules": [{"point": "sentry/execve", "match": {"binary_path": "/tmp/x"}, "action": "log"}]}""",
                List.of(new PointReq(Point.EXECVE, FieldSet.EMPTY))).decidesExecutedFiles()).as("a log rule").isFalse();
    }

    private static NameChange change(String from, String to, ReachedFile file) {
        return NameChange.moved("renameat2", 42, 43, "mv", from, to, file, false, false);
    }

    private static void assertRejected(String json, List<PointReq> points, String expected) {
        assertThatThrownBy(() -> sink(json, points))
                .isInstanceOf(SinkException.class)
                .hasMessageContaining(expected);
    }

    private static Sink sink(String json, List<PointReq> points) throws Exception {
        SinkConfig config = JsonSinkConfig.parse(json, "sinks[0].config");
        PolicySinkDescriptor d = new PolicySinkDescriptor();
        PolicySinkDescriptor.Policy policy = d.validate(config, points);
        return d.create(policy, d.setup(policy));
    }

    private static Point point(String name) {
        return CATALOG.byName(name).orElseThrow().point();
    }

    private static PointReq req(Point p) {
        return new PointReq(p, FieldSet.EMPTY);
    }

    private static Open open(String path) {
        return Open.newBuilder().setSysno(257).setFd(-100).setPathname(path).build();
    }

    private static Connect connect(byte[] address) {
        return Connect.newBuilder().setSysno(42).setFd(3).setAddress(ByteString.copyFrom(address)).build();
    }

    private static ContextData ctx(String comm, int uid) {
        return ContextData.newBuilder().setProcessName(comm).setThreadGroupId(42).setThreadId(42)
                .setCredentials(Credentials.newBuilder().setEffectiveUid(uid).setRealUid(uid)).build();
    }

    private static byte[] inet4(int a, int b, int c, int d, int port) {
        ByteBuffer bb = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        bb.putShort((short) 2);
        bb.order(ByteOrder.BIG_ENDIAN).putShort((short) port);
        bb.put((byte) a).put((byte) b).put((byte) c).put((byte) d);
        return bb.array();
    }

    private static byte[] inet6Loopback(int port) {
        ByteBuffer bb = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
        bb.putShort((short) 10);
        bb.order(ByteOrder.BIG_ENDIAN).putShort((short) port);
        bb.putInt(0);
        bb.put(new byte[15]).put((byte) 1);
        return bb.array();
    }

    private static byte[] unix(String path) {
        byte[] p = path.getBytes();
        ByteBuffer bb = ByteBuffer.allocate(2 + p.length + 1).order(ByteOrder.LITTLE_ENDIAN);
        bb.putShort((short) 1).put(p).put((byte) 0);
        return bb.array();
    }
}

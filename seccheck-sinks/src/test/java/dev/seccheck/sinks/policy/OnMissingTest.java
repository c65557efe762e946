package dev.seccheck.sinks.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Connect;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.session.JsonSinkConfig;
import dev.seccheck.sink.Missing;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sink.Selection;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The policy sink's {@code on_missing}: a rule whose value could not be obtained fails closed by default. */
class OnMissingTest {

    private static final Catalog CATALOG = Catalog.standard();
    private static final Point OPENAT = CATALOG.byName("syscall/openat/enter").orElseThrow().point();
    private static final Point CONNECT = CATALOG.byName("syscall/connect/enter").orElseThrow().point();
    private static final FieldSet FD_PATH = new FieldSet(FieldMask.of(0), FieldMask.EMPTY);
    private static final String DENY_SECRET = """
            {"point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "/etc/secret*"}},
             "action": "%s", "errno": "EACCES"}""";
    private static final Missing UNREADABLE_PATH = Missing.NONE.with("pathname", "EFAULT at 0x1000");

    @TempDir
    Path tmp;

    @Test
    void aDenyRuleWhosePathCouldNotBeReadDeniesByDefaultWithItsErrnoAndAnAlertNamingWhatWasMissing()
            throws Exception {
        Sink sink = sink(null, DENY_SECRET.formatted("deny"));

        assertThatThrownBy(() -> sink.syscall(OPENAT, FD_PATH, MessageType.MESSAGE_SYSCALL_OPEN, open(""),
                UNREADABLE_PATH))
                .isInstanceOfSatisfying(SecurityCheckException.class, e -> {
                    assertThat(e.errno()).isEqualTo(13);
                    assertThat(e.killTask()).isFalse();
                    assertThat(e.getMessage()).contains("missing pathname (EFAULT at 0x1000)");
                });
        JsonNode alert = onlyAlert();
        assertThat(alert.get("action").asText()).isEqualTo("deny");
        assertThat(alert.get("errno").asText()).isEqualTo("EACCES");
        assertThat(alert.get("missing").asText()).isEqualTo("pathname (EFAULT at 0x1000)");
        assertThat(alert.get("rule").asInt()).isZero();
    }

    @Test
    void withoutAnythingMissingTheSameEmptyValueMatchesNothingAsBefore() throws Exception {
        Sink sink = sink(null, DENY_SECRET.formatted("deny"));

        sink.syscall(OPENAT, FD_PATH, MessageType.MESSAGE_SYSCALL_OPEN, open(""));
        sink.syscall(OPENAT, FD_PATH, MessageType.MESSAGE_SYSCALL_OPEN, open(""), Missing.NONE);
        assertThat(Files.exists(alerts())).isTrue();
        assertThat(Files.readAllLines(alerts())).isEmpty();
    }

    @Test
    void onMissingAllowTakesTheRuleAsNotMatchingAndKillKills() throws Exception {
        Sink allow = sink("allow", DENY_SECRET.formatted("deny"));
        allow.syscall(OPENAT, FD_PATH, MessageType.MESSAGE_SYSCALL_OPEN, open(""), UNREADABLE_PATH);
        assertThat(Files.readAllLines(alerts())).isEmpty();

        Sink kill = sink("kill", DENY_SECRET.formatted("deny"));
        assertThatThrownBy(() -> kill.syscall(OPENAT, FD_PATH, MessageType.MESSAGE_SYSCALL_OPEN, open(""),
                UNREADABLE_PATH))
                .isInstanceOfSatisfying(SecurityCheckException.class, e -> assertThat(e.killTask()).isTrue());
        assertThat(onlyAlert().get("action").asText()).isEqualTo("kill");
    }

    @Test
    void aRelativePathWhoseDirectoryFdCouldNotBeResolvedIsUndecidedButAnAbsoluteOneIsNot() throws Exception {
        Sink sink = sink(null, DENY_SECRET.formatted("deny"));
        Missing unknownFd = Missing.NONE.with("fd_path", "fd 7: FD not found");

        // An absolute path does not depend on the directory fd: it is decided on its value.
        sink.syscall(OPENAT, FD_PATH, MessageType.MESSAGE_SYSCALL_OPEN, open("/tmp/x"), unknownFd);
        assertThatThrownBy(() -> sink.syscall(OPENAT, FD_PATH, MessageType.MESSAGE_SYSCALL_OPEN,
                open("secret").toBuilder().setFd(7).setFdPath("[err: FD not found]").build(), unknownFd))
                .isInstanceOf(SecurityCheckException.class);
        assertThat(onlyAlert().get("missing").asText()).isEqualTo("fd_path (fd 7: FD not found)");
    }

    @Test
    void aRuleWhoseOtherConditionsFailIsNotDecidedByTheMissingValue() throws Exception {
        Sink sink = sink(null, """
                {"point": "syscall/openat/enter", "match": {"pathname": "/etc/secret", "flags": 64}, "action": "deny"}""");

        sink.syscall(OPENAT, FD_PATH, MessageType.MESSAGE_SYSCALL_OPEN, open("").toBuilder().setFlags(0).build(),
                UNREADABLE_PATH);
        assertThat(Files.readAllLines(alerts())).isEmpty();
    }

    @Test
    void anAllowRuleThatCannotBeCheckedDoesNotAllowSoTheNextDenyRuleDecides() throws Exception {
        Sink sink = sink("deny", """
                {"point": "syscall/connect/enter", "match": {"ip": "127.0.0.0/8"}, "action": "allow"},
                {"point": "syscall/connect/enter", "match": {"port": {"min": 1, "max": 65535}}, "action": "kill"}""");
        Missing noAddress = Missing.NONE.with("address", "EFAULT at 0x10");

        assertThatThrownBy(() -> sink.syscall(CONNECT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_CONNECT,
                Connect.newBuilder().setFd(3).build(), noAddress))
                .isInstanceOfSatisfying(SecurityCheckException.class, e -> {
                    assertThat(e.killTask()).isFalse();
                    assertThat(e.errno()).isEqualTo(1);
                });
        JsonNode alert = onlyAlert();
        assertThat(alert.get("rule").asInt()).isEqualTo(1);
        assertThat(alert.get("missing").asText()).isEqualTo("address (EFAULT at 0x10)");
    }

    /**
     * A unix path that is not the socket's one real path (a hard-linked socket) is a missing
     * {@code unix_path} only: a rule on it decides by on_missing, one on the family still matches.
     */
    @Test
    void aDoubtedUnixPathLeavesTheFamilyDecidable() throws Exception {
        byte[] path = "/run/app.sock".getBytes(StandardCharsets.UTF_8);
        byte[] sun = new byte[2 + path.length + 1];
        sun[0] = 1; // AF_UNIX
        System.arraycopy(path, 0, sun, 2, path.length);
        Connect unix = Connect.newBuilder().setFd(3).setAddress(ByteString.copyFrom(sun)).build();
        Missing doubted = Missing.NONE.with("unix_path", "the socket has 2 names (hard links)");

        Sink byFamily = sink(null, """
                {"point": "syscall/connect/enter", "match": {"family": "AF_UNIX"}, "action": "allow"},
                {"point": "syscall/connect/enter", "match": {"family": {"not": "AF_UNIX"}}, "action": "deny"}""");
        byFamily.syscall(CONNECT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_CONNECT, unix, doubted);
        assertThat(Files.readAllLines(alerts())).isEmpty();

        Sink byPath = sink(null, """
                {"point": "syscall/connect/enter", "match": {"unix_path": "/run/other.sock"}, "action": "deny"}""");
        assertThatThrownBy(() -> byPath.syscall(CONNECT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_CONNECT, unix,
                doubted)).isInstanceOf(SecurityCheckException.class);
        assertThat(onlyAlert().get("missing").asText()).isEqualTo("unix_path (the socket has 2 names (hard links))");
    }

    /**
     * An open that reached an object no path reaches (a pipe through {@code /dev/stdin}) has the
     * kernel's name as {@code pathname} and no {@code resolved_path}: not missing, and not the
     * name joined to the directory fd's path. A rule on {@code resolved_path}, a {@code not} one
     * too, does not match it, whatever the fd's path; a rule on {@code pathname} decides it.
     */
    @Test
    void aPathlessObjectHasNoResolvedPathButItsPathnameIsDecided() throws Exception {
        Sink sink = sink(null, """
                {"point": "syscall/openat/enter", "match": {"resolved_path": {"not": {"prefix": "/work/"}}},
                 "action": "deny", "errno": "EACCES"}""");
        Open pipe = open("pipe:[1234]").toBuilder().setFd(7).setFdPath("[err: FD not found]").build();
        Missing unknownFd = Missing.NONE.with("fd_path", "fd 7: FD not found");
        dev.seccheck.sink.ReachedFile pathless = dev.seccheck.sink.ReachedFile.pathlessObject(12, 1234, 0);

        ScopedValue.where(dev.seccheck.sink.ReachedFile.CURRENT, pathless).call(() -> {
            sink.syscall(OPENAT, FD_PATH, MessageType.MESSAGE_SYSCALL_OPEN, pipe, unknownFd);
            sink.syscall(OPENAT, FD_PATH, MessageType.MESSAGE_SYSCALL_OPEN, pipe.toBuilder().setFdPath("/etc").build(),
                    Missing.NONE);
            return null;
        });
        assertThat(Files.readAllLines(alerts())).as("neither matched nor undecided").isEmpty();
        // The same name given by a program as a relative path is one: joined, and refused.
        assertThatThrownBy(() -> sink.syscall(OPENAT, FD_PATH, MessageType.MESSAGE_SYSCALL_OPEN,
                pipe.toBuilder().setFdPath("/etc").build(), Missing.NONE)).isInstanceOf(SecurityCheckException.class);
        assertThat(onlyAlert().get("matched").get("resolved_path").asText()).isEqualTo("/etc/pipe:[1234]");

        Files.delete(alerts());
        Sink byName = sink(null, """
                {"point": "syscall/openat/enter", "match": {"pathname": {"glob": "pipe:*"}}, "action": "deny"}""");
        assertThatThrownBy(() -> ScopedValue.where(dev.seccheck.sink.ReachedFile.CURRENT, pathless).call(() -> {
            byName.syscall(OPENAT, FD_PATH, MessageType.MESSAGE_SYSCALL_OPEN, pipe, Missing.NONE);
            return null;
        })).isInstanceOf(SecurityCheckException.class);
    }

    @Test
    void anUnknownOnMissingValueIsRefusedNamingTheSettingAndTheChoices() {
        assertThatThrownBy(() -> sink("\"maybe\"".replace("\"", ""), DENY_SECRET.formatted("deny")))
                .isInstanceOf(SinkException.class)
                .hasMessageContaining("sinks[0].config.on_missing: unknown value \"maybe\" (deny, allow, kill)");
    }

    @Test
    void aPolicyBehindASelectionStillDeniesWhatItCouldNotCheckAndStillSaysItDecides() throws Exception {
        // seccheck run --pid 42 --config policy.json puts the policy sink behind a selection.
        Sink sink = sink(null, DENY_SECRET.formatted("deny"), new Selection(List.of(42L), List.of(), List.of()));
        Open fromPid42 = open("").toBuilder().setContextData(ContextData.newBuilder().setThreadGroupId(42)).build();

        assertThat(sink.decides(OPENAT)).as("the run must know the policy decides at openat").isTrue();
        assertThatThrownBy(() -> sink.syscall(OPENAT, FD_PATH, MessageType.MESSAGE_SYSCALL_OPEN, fromPid42,
                UNREADABLE_PATH))
                .isInstanceOfSatisfying(SecurityCheckException.class, e -> assertThat(e.errno()).isEqualTo(13));
        assertThat(onlyAlert().get("missing").asText()).isEqualTo("pathname (EFAULT at 0x1000)");
    }

    /**
     * A file the rule names by device and inode is denied though its path is missing (a path
     * longer than PATH_MAX has none), whatever {@code on_missing} says: allowed, it was opened.
     */
    @Test
    void aFileTheRuleNamesByInodeIsDeniedUnderOnMissingAllow() throws Exception {
        Path kept = Files.createDirectory(tmp.resolve("kept"));
        Path secret = Files.writeString(kept.resolve("secret"), "s");
        Sink allow = sink("allow", """
                {"point": "syscall/openat/enter", "match": {"resolved_path": {"prefix": "%s/"}},
                 "action": "deny", "errno": "EACCES"}""".formatted(kept));
        dev.seccheck.sink.ReachedFile file = new dev.seccheck.sink.ReachedFile(
                (Long) Files.getAttribute(secret, "unix:dev"), (Long) Files.getAttribute(secret, "unix:ino"), 0);
        Missing tooLong = Missing.NONE.with("pathname", "longer than PATH_MAX");

        assertThatThrownBy(() -> ScopedValue.where(dev.seccheck.sink.ReachedFile.CURRENT, file).call(() -> {
            allow.syscall(OPENAT, FD_PATH, MessageType.MESSAGE_SYSCALL_OPEN, open("secret"), tooLong);
            return null;
        })).isInstanceOfSatisfying(SecurityCheckException.class, e -> assertThat(e.errno()).isEqualTo(13));
        assertThat(onlyAlert().has("missing")).as("decided, not undecided").isFalse();
    }

    private Sink sink(String onMissing, String rules) throws Exception {
        return sink(onMissing, rules, Selection.ALL);
    }

    private Sink sink(String onMissing, String rules, Selection only) throws Exception {
        String json = "{\"alerts\": \"" + alerts() + "\", "
                + (onMissing == null ? "" : "\"on_missing\": \"" + onMissing + "\", ")
                + "\"rules\": [" + rules + "]}";
        Files.deleteIfExists(alerts());
        List<PointReq> points = List.of(new PointReq(OPENAT, FD_PATH), new PointReq(CONNECT, FieldSet.EMPTY));
        SinkDescriptor<PolicySinkDescriptor.Policy> d = only.wrap(new PolicySinkDescriptor(), points);
        PolicySinkDescriptor.Policy policy = d.validate(JsonSinkConfig.parse(json, "sinks[0].config"), points);
        return d.create(policy, d.setup(policy));
    }

    private Path alerts() {
        return tmp.resolve("alerts.jsonl");
    }

    private JsonNode onlyAlert() throws Exception {
        List<String> lines = Files.readAllLines(alerts());
        assertThat(lines).hasSize(1);
        return new ObjectMapper().readTree(lines.get(0));
    }

    private static Open open(String path) {
        return Open.newBuilder().setSysno(257).setFd(-100).setPathname(path).build();
    }
}

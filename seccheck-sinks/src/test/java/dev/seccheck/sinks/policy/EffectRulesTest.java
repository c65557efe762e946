package dev.seccheck.sinks.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.session.JsonSinkConfig;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Rules naming an effect instead of points, and the load-time checks that keep every route covered. */
class EffectRulesTest {

    private static final Catalog CATALOG = Catalog.standard();
    private static final FieldSet CWD_ONLY = new FieldSet(FieldMask.of(), FieldMask.of(ContextField.CWD.id()));
    private static final FieldSet FD_PATH = new FieldSet(FieldMask.of(0), FieldMask.of(ContextField.CWD.id()));

    private static final String DENY_SHADOW = """
            {"rules": [{"name": "no secrets", "effect": "open_file", "match": {"pathname": {"glob": "/etc/shadow*"}},
                        "action": "deny", "errno": "EACCES"}]}""";

    @Test
    void anOpenFileRuleHoldsAtEveryOpeningPoint() throws Exception {
        Sink sink = sink(DENY_SHADOW, reqs(FieldSet.EMPTY, "syscall/open/enter", "syscall/openat/enter",
                "syscall/creat/enter"));
        for (String name : List.of("syscall/open/enter", "syscall/openat/enter", "syscall/creat/enter")) {
            Point p = point(name);
            assertThatThrownBy(() -> sink.syscall(p, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN, open("/etc/shadow")))
                    .as(name).isInstanceOfSatisfying(SecurityCheckException.class, e -> assertThat(e.errno()).isEqualTo(13));
            sink.syscall(p, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN, open("/etc/hostname"));
        }
    }

    @Test
    void anEffectWithAPointTheSessionLacksIsRejectedNamingTheSyscall() {
        assertThatThrownBy(() -> sink(DENY_SHADOW, reqs(FieldSet.EMPTY, "syscall/openat/enter")))
                .isInstanceOf(SinkException.class)
                .hasMessageContaining("sinks[0].config.rules[0].effect")
                .hasMessageContaining("covers open")
                .hasMessageContaining("syscall/open/enter");
    }

    @Test
    void aCwdOnlyResolvedPathRuleOnOpenatIsRejected() {
        String json = """
                {"rules": [{"point": "syscall/openat/enter", "match": {"resolved_path": "/etc/shadow"}, "action": "deny"}]}""";
        assertThatThrownBy(() -> sink(json, reqs(CWD_ONLY, "syscall/openat/enter")))
                .isInstanceOf(SinkException.class)
                .hasMessageContaining("sinks[0].config.rules[0].match.resolved_path")
                .hasMessageContaining("fd_path")
                .hasMessageContaining("syscall/openat/enter");
    }

    @Test
    void resolvedPathByEffectNeedsFdPathOnOpenatButCwdSufficesForOpenAndCreat() throws Exception {
        String json = """
                {"rules": [{"effect": "open_file", "match": {"resolved_path": "/etc/shadow"}, "action": "deny"}]}""";
        assertThatThrownBy(() -> sink(json, reqs(CWD_ONLY, "syscall/open/enter", "syscall/openat/enter",
                "syscall/creat/enter")))
                .isInstanceOf(SinkException.class).hasMessageContaining("syscall/openat/enter");
        sink(json, List.of(new PointReq(point("syscall/open/enter"), CWD_ONLY),
                new PointReq(point("syscall/openat/enter"), FD_PATH), new PointReq(point("syscall/creat/enter"), CWD_ONLY)));
    }

    @Test
    void anAcceptNetworkRuleDecidesOnThePeerAtBothAcceptPoints() throws Exception {
        String json = """
                {"rules": [{"effect": "accept_network", "match": {"ip": ["127.0.0.0/8", "::1/128"]}, "action": "allow"},
                           {"effect": "accept_network", "match": {"family": {"not": ["AF_UNIX"]}},
                            "action": "deny", "errno": "ECONNABORTED"}]}""";
        assertThatThrownBy(() -> sink(json, reqs(FieldSet.EMPTY, "syscall/accept4/enter")))
                .isInstanceOf(SinkException.class).hasMessageContaining("covers accept")
                .hasMessageContaining("syscall/accept/enter");
        Sink sink = sink(json, reqs(FieldSet.EMPTY, "syscall/accept/enter", "syscall/accept4/enter"));
        for (String name : List.of("syscall/accept/enter", "syscall/accept4/enter")) {
            Point p = point(name);
            assertThatThrownBy(() -> sink.syscall(p, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_ACCEPT,
                    accept(new byte[] {2, 0, 0x1f, (byte) 0x90, 10, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0})))
                    .as(name).isInstanceOfSatisfying(SecurityCheckException.class, e -> assertThat(e.errno()).isEqualTo(103));
            // 127.0.0.1, ::ffff:127.0.0.1 and a unix peer come in.
            sink.syscall(p, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_ACCEPT,
                    accept(new byte[] {2, 0, 0x1f, (byte) 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}));
            byte[] mapped = new byte[28];
            mapped[0] = 10;
            mapped[18] = (byte) 0xff;
            mapped[19] = (byte) 0xff;
            mapped[20] = 127;
            mapped[23] = 1;
            sink.syscall(p, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_ACCEPT, accept(mapped));
            sink.syscall(p, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_ACCEPT, accept(new byte[] {1, 0}));
        }
    }

    private static dev.seccheck.proto.syscall.Accept accept(byte[] peer) {
        return dev.seccheck.proto.syscall.Accept.newBuilder().setSysno(43).setFd(3)
                .setAddress(com.google.protobuf.ByteString.copyFrom(peer)).build();
    }

    @Test
    void badEffectsAreNamed() {
        assertThatThrownBy(() -> sink("""
                {"rules": [{"effect": "teleport", "action": "deny"}]}""", reqs(FieldSet.EMPTY, "syscall/connect/enter")))
                .hasMessageContaining("sinks[0].config.rules[0].effect: unknown effect \"teleport\"");
        assertThatThrownBy(() -> sink("""
                {"rules": [{"effect": "connect_network", "point": "syscall/connect/enter", "action": "deny"}]}""",
                reqs(FieldSet.EMPTY, "syscall/connect/enter")))
                .hasMessageContaining("exactly one of them");
    }

    private static List<PointReq> reqs(FieldSet fields, String... names) {
        return java.util.Arrays.stream(names).map(n -> new PointReq(point(n), fields)).toList();
    }

    private static Sink sink(String json, List<PointReq> points) throws Exception {
        PolicySinkDescriptor d = new PolicySinkDescriptor();
        PolicySinkDescriptor.Policy policy = d.validate(JsonSinkConfig.parse(json, "sinks[0].config"), points);
        return d.create(policy, d.setup(policy));
    }

    private static Point point(String name) {
        return CATALOG.byName(name).orElseThrow().point();
    }

    private static Open open(String path) {
        return Open.newBuilder().setSysno(257).setFd(-100).setPathname(path).build();
    }
}

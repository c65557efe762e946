package dev.seccheck.sinks.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.abi.Errno;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.session.JsonSinkConfig;
import dev.seccheck.sink.Destination;
import dev.seccheck.sink.OnDrop;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sink.TrailStream;
import dev.seccheck.sinks.FullDisk;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A policy's alert the stream does not take (a full disk) is counted; a log rule's, which is all
 * the trail of what the rule lets through, fails its operation when {@code on_drop} says so.
 */
class PolicyAlertDropsTest {
    private static final Point OPENAT = Catalog.standard().byName("syscall/openat/enter").orElseThrow().point();

    private static PolicySink sink(FullDisk disk, OnDrop onDrop) throws Exception {
        var rules = PolicyCompiler.compile(JsonSinkConfig.parse("""
                {"rules": [
                  {"point": "syscall/openat/enter", "match": {"pathname": "/etc/shadow"}, "action": "deny", "errno": "EACCES"},
                  {"point": "syscall/openat/enter", "match": {"pathname": {"prefix": "/home/"}}, "action": "log"}]}""",
                "sinks[0].config"), List.of(new PointReq(OPENAT, FieldSet.EMPTY)), Catalog.standard());
        return new PolicySink(rules, new AlertLog(new Destination.Stream(new TrailStream(disk), true)), OnMissing.DENY,
                onDrop, "alerts.jsonl");
    }

    private static void open(PolicySink sink, String path) throws SecurityCheckException {
        sink.syscall(OPENAT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN,
                Open.newBuilder().setFd(-100).setPathname(path).build());
    }

    @Test
    void aLogRulesLostAlertFailsItsOperationWhenOnDropSaysSo() throws Exception {
        for (OnDrop onDrop : OnDrop.values()) {
            FullDisk disk = new FullDisk();
            PolicySink sink = sink(disk, onDrop);
            open(sink, "/home/u/notes");
            disk.full = true;
            if (onDrop == OnDrop.COUNT) {
                open(sink, "/home/u/notes");
            } else {
                assertThatThrownBy(() -> open(sink, "/home/u/notes"))
                        .isInstanceOfSatisfying(SecurityCheckException.class, e -> {
                            assertThat(e.errno()).isEqualTo(Errno.EPERM);
                            assertThat(e.killTask()).isEqualTo(onDrop == OnDrop.KILL);
                        });
            }
            // A deny rule's alert lost: the call fails with the rule's errno, whatever on_drop says.
            assertThatThrownBy(() -> open(sink, "/etc/shadow"))
                    .isInstanceOfSatisfying(SecurityCheckException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EACCES));
            open(sink, "/etc/hostname"); // no rule matches, no alert: nothing lost
            assertThat(sink.status().dropped()).isEqualTo(2);
            disk.full = false;
            open(sink, "/home/u/notes");
            assertThat(sink.status().dropped()).isEqualTo(2);
            assertThat(disk.text().lines()).hasSize(2).allMatch(l -> l.contains("\"action\":\"log\""));
        }
    }
}

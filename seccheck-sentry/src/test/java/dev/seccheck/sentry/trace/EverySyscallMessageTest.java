package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.fields.OptionalFields;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.points.SyscallSchema;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Connect;
import dev.seccheck.proto.syscall.Execve;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.proto.syscall.Pipe;
import dev.seccheck.sentry.Supervisor;
import dev.seccheck.sentry.testing.CWorkloads;
import dev.seccheck.sink.Sink;
import dev.seccheck.state.Gate;
import dev.seccheck.state.PointState;
import dev.seccheck.state.Subscriber;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gVisor's end-to-end check, on a real program: every schematized syscall point at enter and exit
 * with every optional and context field, the every_syscall workload, and then at least one message
 * of every syscall message type, each with sane context data and a sample of argument values.
 */
class EverySyscallMessageTest {

    private static final String RUN_ID = "every-syscall-test";

    private record Received(MessageType type, Message message, ContextData context) {}

    private final List<Received> received = new CopyOnWriteArrayList<>();

    @Test
    void everySyscallMessageTypeArrivesWithSaneContextAndArguments(@TempDir Path scratch) throws Exception {
        Catalog catalog = Catalog.standard();
        FieldMask allContext = FieldMask.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        List<PointReq> reqs = new ArrayList<>();
        for (SyscallSchema s : SyscallSchema.ALL) {
            FieldMask local = FieldMask.of(s.optionalFields().stream().mapToInt(f -> f.id()).toArray());
            for (String kind : List.of("enter", "exit")) {
                Point p = catalog.byName("syscall/" + s.name() + "/" + kind).orElseThrow().point();
                reqs.add(new PointReq(p, new FieldSet(local, allContext)));
            }
        }
        Sink collecting = new Sink() {
            @Override
            public String name() {
                return "collecting";
            }

            @Override
            public void syscall(Point point, FieldSet fields, MessageType type, Message msg) {
                ContextData ctx = (ContextData) msg.getField(msg.getDescriptorForType().findFieldByNumber(1));
                received.add(new Received(type, msg, ctx));
            }
        };
        PointState state = new PointState();
        state.publish(List.of(new Subscriber(new Gate(), List.of(collecting), reqs)));
        long start = System.currentTimeMillis() * 1_000_000L;

        // The workload calls ptrace(PTRACE_TRACEME), which the run's filter refuses unless allowed.
        int status = new Supervisor(state, catalog, RUN_ID, line -> {}).allowPtrace(true)
            .run(List.of(CWorkloads.everySyscall().toString(), scratch.toString()));

        assertThat(status).isZero();
        Set<MessageType> wanted = SyscallSchema.ALL.stream().map(SyscallSchema::messageType).collect(Collectors.toSet());
        Set<MessageType> got = received.stream().map(Received::type).collect(Collectors.toSet());
        assertThat(got).as("one message of every syscall message type").containsAll(wanted);
        assertThat(wanted).hasSize(31);

        for (Received r : received) {
            ContextData c = r.context();
            assertThat(c.getTimeNs()).as("time of %s", r.type()).isGreaterThanOrEqualTo(start);
            assertThat(c.getThreadStartTimeNs()).as("thread start of %s", r.type()).isLessThanOrEqualTo(c.getTimeNs());
            assertThat(c.getThreadGroupStartTimeNs()).isLessThanOrEqualTo(c.getThreadStartTimeNs());
            assertThat(c.getThreadId()).isPositive();
            assertThat(c.getThreadGroupId()).isPositive();
            assertThat(c.getContainerId()).isEqualTo(RUN_ID);
            assertThat(c.getProcessName()).isIn("every_syscall", "true");
            assertThat(c.getCwd()).isNotEmpty();
        }

        String realScratch = scratch.toRealPath().toString();
        assertThat(messages(Open.class)).as("the workload's openat of file.txt with O_CREAT").anySatisfy(o -> {
            assertThat(o.getSysno()).isEqualTo(257);
            // Opens are emulated while an open point is enabled: pathname is the object actually opened.
            assertThat(o.getPathname()).isEqualTo(realScratch + "/file.txt");
            assertThat(o.getFdPath()).as("AT_FDCWD: gVisor sends no fd_path").isEmpty();
            assertThat(o.getMode()).isEqualTo(0600);
        });
        assertThat(messages(Connect.class)).anySatisfy(m -> {
            byte[] addr = m.getAddress().toByteArray();
            assertThat(addr[0]).as("AF_UNIX").isEqualTo((byte) 1);
            // Connects are emulated while a connect point is enabled: a unix path is the socket actually reached.
            assertThat(new String(addr, 2, addr.length - 3, StandardCharsets.UTF_8)).isEqualTo(realScratch + "/sock");
        });
        assertThat(messages(Pipe.class)).anySatisfy(p -> {
            assertThat(p.hasExit()).isTrue();
            assertThat(p.getReader()).isPositive();
            assertThat(p.getWriter()).isGreaterThan(p.getReader());
        });
        assertThat(messages(Execve.class)).anySatisfy(e -> {
            assertThat(e.getPathname()).isEqualTo("/bin/true");
            assertThat(e.getArgvList()).containsExactly("true");
            assertThat(e.getEnvvList()).containsExactly("SECCHECK_WORKLOAD=every_syscall");
        });
        assertThat(received).filteredOn(r -> r.context().getProcessName().equals("every_syscall"))
            .allSatisfy(r -> assertThat(r.context().getCwd()).isIn(realScratch, Path.of("").toAbsolutePath().toString()));
    }

    private <M extends Message> List<M> messages(Class<M> type) {
        return received.stream().map(Received::message).filter(type::isInstance).map(type::cast).toList();
    }
}

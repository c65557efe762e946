package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.fields.OptionalFields;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.proto.syscall.Close;
import dev.seccheck.proto.syscall.Execve;
import dev.seccheck.sentry.Supervisor;
import dev.seccheck.sentry.testing.CWorkloads;
import dev.seccheck.testing.RecordingSink;
import dev.seccheck.state.Gate;
import dev.seccheck.state.PointState;
import dev.seccheck.state.Subscriber;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exit points of execve, execveat and close, whose arguments are gone by the exit stop, carry
 * what the call was given: decoded at enter, finished at exit. Real program, real supervisor.
 */
class ExitOfLostArgumentsTest {

    @Test
    void execveExecveatAndCloseExitsCarryTheirArguments(@TempDir Path scratch) throws Exception {
        Catalog catalog = Catalog.standard();
        FieldSet fields = new FieldSet(
            FieldMask.of(OptionalFields.SYSCALL_FD_PATH.id(), OptionalFields.SYSCALL_ENVV.id()), FieldMask.EMPTY);
        List<PointReq> reqs = List.of(
            new PointReq(point(catalog, "syscall/execve/exit"), new FieldSet(FieldMask.of(OptionalFields.SYSCALL_ENVV.id()), FieldMask.EMPTY)),
            new PointReq(point(catalog, "syscall/execveat/exit"), fields),
            new PointReq(point(catalog, "syscall/close/exit"), new FieldSet(FieldMask.of(OptionalFields.SYSCALL_FD_PATH.id()), FieldMask.EMPTY)));
        RecordingSink keeping = new RecordingSink("keeping");
        PointState state = new PointState();
        state.publish(List.of(new Subscriber(new Gate(), List.of(keeping), reqs)));

        int status = new Supervisor(state, catalog, "exit-test", line -> {})
            .run(List.of(CWorkloads.everySyscall().toString(), scratch.toString()));

        assertThat(status).isZero();
        List<Message> exits = keeping.received().stream().map(RecordingSink.Received::msg).toList();
        List<Execve> execs = exits.stream().filter(Execve.class::isInstance).map(Execve.class::cast).toList();
        assertThat(execs).anySatisfy(e -> {
            assertSuccessfulExecOfTrue(e, 59, "/bin/true");
            assertThat(e.getEnvvList()).containsExactly("SECCHECK_WORKLOAD=every_syscall");
        });
        assertThat(execs).anySatisfy(e -> {
            assertSuccessfulExecOfTrue(e, 322, "true");
            assertThat(e.getFdPath()).endsWith("bin");
        });
        assertThat(exits).filteredOn(Close.class::isInstance).map(Close.class::cast)
            .as("close's exit names the file it closed, resolved at enter")
            .anySatisfy(c -> {
                assertThat(c.getFdPath()).isEqualTo(scratch.toRealPath().resolve("file.txt").toString());
                assertThat(c.getExit().getResult()).isZero();
            });
    }

    private static Point point(Catalog catalog, String name) {
        return catalog.byName(name).orElseThrow().point();
    }

    /** The exit of an exec of {@code true} that succeeded still names what the enter read. */
    private static void assertSuccessfulExecOfTrue(Execve e, int sysno, String pathname) {
        assertThat(e.getSysno()).isEqualTo(sysno);
        assertThat(e.getPathname()).isEqualTo(pathname);
        assertThat(e.getArgvList()).containsExactly("true");
        assertThat(e.getExit().getResult()).isZero();
    }
}

package dev.seccheck.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.MessageTypes;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.sentry.ExitNotifyParentInfo;
import dev.seccheck.proto.sentry.MmapInfo;
import dev.seccheck.proto.sentry.TaskExit;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.proto.syscall.Syscall;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PointSinkTest {

    private record Got(Point point, FieldSet fields, MessageType type, Message msg) {}

    /** Records every point; denies the ones named in {@code deny}. */
    private static final class Recorder implements PointSink {
        final List<Got> got = new ArrayList<>();
        Point deny;

        @Override
        public String name() {
            return "rec";
        }

        @Override
        public void point(Point point, FieldSet fields, MessageType type, Message msg) throws SecurityCheckException {
            got.add(new Got(point, fields, type, msg));
            if (point.equals(deny)) {
                throw new SecurityCheckException(13, "no " + point.name());
            }
        }
    }

    @Test
    void everyKindOfPointReachesTheOneMethodWithItsPointAndMessageType() throws Exception {
        Catalog catalog = Catalog.standard();
        Point openat = catalog.byName("syscall/openat/enter").orElseThrow().point();
        Point raw = catalog.byName("syscall/sysno/39/exit").orElseThrow().point();
        FieldSet fields = FieldSet.EMPTY;
        Recorder r = new Recorder();
        Start start = Start.newBuilder().setId("c1").build();
        CloneInfo clone = CloneInfo.newBuilder().setFlags(0x11).build();
        ExecveInfo execve = ExecveInfo.newBuilder().setBinaryPath("/bin/true").build();
        ExitNotifyParentInfo exitNotify = ExitNotifyParentInfo.newBuilder().setExitStatus(3).build();
        TaskExit taskExit = TaskExit.newBuilder().setExitStatus(4).build();
        MmapInfo mmap = MmapInfo.newBuilder().setMappedPath("/lib/x.so").build();
        Open open = Open.newBuilder().setPathname("/etc/hosts").build();
        Syscall sys = Syscall.newBuilder().setSysno(39).build();

        r.containerStart(fields, start);
        r.clone(fields, clone);
        r.execve(fields, execve);
        r.exitNotifyParent(fields, exitNotify);
        r.taskExit(fields, taskExit);
        r.mmap(fields, mmap);
        r.syscall(openat, fields, MessageType.MESSAGE_SYSCALL_OPEN, open);
        r.rawSyscall(raw, fields, sys);

        assertThat(r.got).containsExactly(
                new Got(Point.CONTAINER_START, fields, MessageType.MESSAGE_CONTAINER_START, start),
                new Got(Point.CLONE, fields, MessageType.MESSAGE_SENTRY_CLONE, clone),
                new Got(Point.EXECVE, fields, MessageType.MESSAGE_SENTRY_EXEC, execve),
                new Got(Point.EXIT_NOTIFY_PARENT, fields, MessageType.MESSAGE_SENTRY_EXIT_NOTIFY_PARENT, exitNotify),
                new Got(Point.TASK_EXIT, fields, MessageType.MESSAGE_SENTRY_TASK_EXIT, taskExit),
                new Got(Point.MMAP, fields, MessageType.MESSAGE_SENTRY_MMAP, mmap),
                new Got(openat, fields, MessageType.MESSAGE_SYSCALL_OPEN, open),
                new Got(raw, fields, MessageType.MESSAGE_SYSCALL_RAW, sys));
        // The type handed on is the one the catalog gives the point: what a consumer decodes by.
        for (Got g : r.got) {
            assertThat(MessageTypes.forPoint(g.point(), catalog)).as(g.point().name()).isEqualTo(g.type());
        }
    }

    @Test
    void aDenialInThePointMethodDeniesTheForwardedCall() {
        Recorder r = new Recorder();
        r.deny = Point.EXECVE;
        assertThatThrownBy(() -> r.execve(FieldSet.EMPTY, ExecveInfo.getDefaultInstance()))
                .isInstanceOfSatisfying(SecurityCheckException.class, e -> assertThat(e.errno()).isEqualTo(13));
    }

    @Test
    void aMissingAwareSinkGetsEveryPointInItsOneMethodWithWhatIsMissingOrNone() throws Exception {
        Point openat = Catalog.standard().byName("syscall/openat/enter").orElseThrow().point();
        Open open = Open.newBuilder().setFd(-100).build();
        Missing noPath = Missing.NONE.with("pathname", "EFAULT at 0x10");
        List<Missing> seen = new ArrayList<>();
        PointSink.MissingAware sink = new PointSink.MissingAware() {
            @Override
            public String name() {
                return "aware";
            }

            @Override
            public void point(Point point, FieldSet fields, MessageType type, Message msg, Missing missing) {
                seen.add(missing);
            }
        };

        sink.clone(FieldSet.EMPTY, CloneInfo.getDefaultInstance());
        sink.syscall(openat, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN, open);
        sink.syscall(openat, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN, open, noPath);

        assertThat(seen).containsExactly(Missing.NONE, Missing.NONE, noPath);
    }
}

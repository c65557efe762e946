package dev.seccheck.bench;

import com.google.protobuf.Message;
import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.Credentials;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.sink.Sink;
import dev.seccheck.state.Gate;
import dev.seccheck.state.PointState;
import dev.seccheck.state.Subscriber;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * DispatchBenchmark asks what firing one enabled point costs: {@code syscall/openat/enter} with
 * every context field and {@code fd_path}, its {@code Open} message built by the builder function
 * from the requested fields, delivered to the {@code null} sink. {@link #buildOnly} builds the same
 * message without firing, so the difference is the dispatch itself. Goal: fire under 200 ns.
 *
 * <p>Run: {@code ./build -q -o -pl seccheck-bench -am package -DskipTests &&
 * java -jar seccheck-bench/target/benchmarks.jar DispatchBenchmark -f 2 -wi 3 -i 5 -w 1s -r 1s}
 */
public class DispatchBenchmark extends AverageTimeBenchmark {

    private PointState state;
    private PointState escapingState;
    private Point openat;
    private FieldSet fields;
    private long now = 1_764_374_400_000_000_000L;

    @Setup
    public void setup() throws Exception {
        state = BenchSessions.stateWith("""
                {"points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"],
                             "context_fields": ["container_id", "credentials", "cwd", "process_name", "group_id",
                               "thread_group_start_time", "thread_id", "task_start_time", "time",
                               "parent_thread_group_id", "is_exec_session"]}],
                 "sinks": [{"name": "null"}]}""");
        openat = BenchSessions.point("syscall/openat/enter");
        fields = state.fieldSet(openat);
        escapingState = new PointState();
        escapingState.publish(List.of(new Subscriber(new Gate(), List.of(new KeepingSink()),
                List.of(new PointReq(openat, fields)))));
        if (fields.context().size() != 11 || !state.enabled(openat)) {
            throw new IllegalStateException("openat/enter must be enabled with all context fields");
        }
    }

    /** Builds what a supervisor would: exactly the requested fields of one openat call. */
    private Open build(FieldSet f) {
        ContextData.Builder c = ContextData.newBuilder();
        if (f.hasContext(ContextField.TIME)) {
            c.setTimeNs(now++);
        }
        if (f.hasContext(ContextField.THREAD_ID)) {
            c.setThreadId(4243);
        }
        if (f.hasContext(ContextField.TASK_START_TIME)) {
            c.setThreadStartTimeNs(1_764_374_000_000_000_000L);
        }
        if (f.hasContext(ContextField.GROUP_ID)) {
            c.setThreadGroupId(4242);
        }
        if (f.hasContext(ContextField.THREAD_GROUP_START_TIME)) {
            c.setThreadGroupStartTimeNs(1_764_373_000_000_000_000L);
        }
        if (f.hasContext(ContextField.CONTAINER_ID)) {
            c.setContainerId("seccheck-4242");
        }
        if (f.hasContext(ContextField.CREDENTIALS)) {
            c.setCredentials(Credentials.newBuilder().setRealUid(1000).setEffectiveUid(1000).setSavedUid(1000)
                    .setRealGid(1000).setEffectiveGid(1000).setSavedGid(1000));
        }
        if (f.hasContext(ContextField.CWD)) {
            c.setCwd("/home/user/project");
        }
        if (f.hasContext(ContextField.PROCESS_NAME)) {
            c.setProcessName("cat");
        }
        if (f.hasContext(ContextField.PARENT_THREAD_GROUP_ID)) {
            c.setParentThreadGroupId(4200);
        }
        if (f.hasContext(ContextField.IS_EXEC_SESSION)) {
            c.setIsExecSession(false);
        }
        Open.Builder b = Open.newBuilder().setContextData(c).setSysno(257).setFd(-100)
                .setPathname("/etc/hosts").setFlags(0x80000);
        if (f.hasLocal(0)) {
            b.setFdPath("/home/user/project");
        }
        return b.build();
    }

    /**
     * KeepingSink stores each message in a field, so the message escapes and the JIT cannot skip
     * building it, as happens when a real sink (remote, text) serializes it.
     */
    static final class KeepingSink implements Sink {
        Message last;

        @Override
        public String name() {
            return "keeping";
        }

        @Override
        public void syscall(Point point, FieldSet fields, MessageType type, Message msg) {
            last = msg;
        }
    }

    /** The message alone, for the ratio. */
    @Benchmark
    public Open buildOnly() {
        return build(fields);
    }

    /** Firing the point: enabled check, routing, build, delivery to the null sink. */
    @Benchmark
    public int fireToNullSink() {
        return fire(state);
    }

    /**
     * The same to a sink that keeps the message: with the null sink the JIT may see that the
     * message goes nowhere and drop part of building it; here it cannot.
     */
    @Benchmark
    public int fireToKeepingSink() {
        return fire(escapingState);
    }

    /** What a supervisor does for one openat: the enabled check, then firing with the builder. */
    private int fire(PointState s) {
        Point p = openat;
        if (!s.enabled(p)) {
            return -1;
        }
        return s.fire(p, this::build,
                (sink, f, msg) -> sink.syscall(p, f, MessageType.MESSAGE_SYSCALL_OPEN, msg));
    }
}

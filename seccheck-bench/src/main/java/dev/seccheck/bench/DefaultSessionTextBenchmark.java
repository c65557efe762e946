package dev.seccheck.bench;

import com.google.protobuf.Message;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.Credentials;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.common.Timespec;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.sentry.TaskExit;
import dev.seccheck.proto.syscall.Execve;
import dev.seccheck.proto.syscall.Exit;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sinks.text.TextOptions;
import dev.seccheck.sinks.text.TextSink;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * DefaultSessionTextBenchmark measures the text sink on each line the default session writes for
 * a short process (issue 13 goal 1): its sentry/clone, its sentry/execve (with the context fields
 * and binary_info the session asks for and a 40-string environment), the execve call joined from
 * its enter and exit, an openat joined the same way, and its sentry/task_exit, each written to a
 * stream that discards the bytes. {@code seccheck run} runs C1 alone; run both ways:
 *
 * <pre>
 * java -jar seccheck-bench/target/benchmarks.jar DefaultSessionTextBenchmark -f 1 -wi 3 -i 5
 * java -jar seccheck-bench/target/benchmarks.jar DefaultSessionTextBenchmark -f 1 -wi 3 -i 5 -jvmArgsAppend -XX:TieredStopAtLevel=1
 * </pre>
 */
public class DefaultSessionTextBenchmark extends AverageTimeBenchmark {

    /** A line of the default session; each fires the points that make it, in a run's order. */
    public enum Line {
        /** sentry/clone of a fork. */
        CLONE,
        /** sentry/execve of {@code /bin/true} with its environment. */
        EXECVE_EVENT,
        /** syscall/execve enter and exit, joined. */
        EXECVE_CALL,
        /** syscall/openat enter and exit, joined. */
        OPENAT_CALL,
        /** sentry/task_exit. */
        TASK_EXIT
    }

    @Param
    public Line line;

    private TextSink sink;
    private Point first;
    private Message firstMsg;
    private MessageType firstType;
    private Point second;
    private Message secondMsg;

    @Setup
    public void setup() {
        ContextData task = ContextData.newBuilder().setThreadId(4243).setThreadGroupId(4243).setProcessName("sh")
                .setParentThreadGroupId(4242).build();
        BitSet joined = new BitSet();
        switch (line) {
            case CLONE -> one("sentry/clone", MessageType.MESSAGE_SENTRY_CLONE, CloneInfo.newBuilder().setContextData(task)
                    .setCreatedThreadId(4244).setCreatedThreadGroupId(4244).setCreatedThreadStartTimeNs(1_764_374_400_123_456_789L)
                    .setFlags(0x1200000).build());
            case EXECVE_EVENT -> one("sentry/execve", MessageType.MESSAGE_SENTRY_EXEC, execveInfo(task));
            case EXECVE_CALL -> {
                Execve enter = Execve.newBuilder().setContextData(task).setSysno(59).setPathname("/bin/true")
                        .addArgv("/bin/true").build();
                two("syscall/execve", MessageType.MESSAGE_SYSCALL_EXECVE, enter,
                        enter.toBuilder().setExit(Exit.newBuilder().setResult(0)).build(), joined);
            }
            case OPENAT_CALL -> {
                Open enter = Open.newBuilder().setContextData(task.toBuilder().setProcessName("true")).setSysno(257)
                        .setFd(-100).setPathname("/lib/x86_64-linux-gnu/libc.so.6").setFlags(0x80000).build();
                two("syscall/openat", MessageType.MESSAGE_SYSCALL_OPEN, enter,
                        enter.toBuilder().setExit(Exit.newBuilder().setResult(3)).build(), joined);
            }
            case TASK_EXIT -> one("sentry/task_exit", MessageType.MESSAGE_SENTRY_TASK_EXIT,
                    TaskExit.newBuilder().setContextData(task.toBuilder().setProcessName("true")).setExitStatus(0).build());
        }
        sink = new TextSink(new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8), false,
                TextOptions.DEFAULTS, joined);
    }

    private void one(String point, MessageType type, Message msg) {
        first = BenchSessions.point(point);
        firstType = type;
        firstMsg = msg;
    }

    private void two(String syscall, MessageType type, Message enter, Message exit, BitSet joined) {
        one(syscall + "/enter", type, enter);
        joined.set(first.id());
        second = BenchSessions.point(syscall + "/exit");
        secondMsg = exit;
    }

    /** sentry/execve as the default session reports {@code /bin/true} run from a shell. */
    private static ExecveInfo execveInfo(ContextData task) {
        List<String> env = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            env.add("VARIABLE_" + i + "=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:" + i);
        }
        ContextData ctx = task.toBuilder().setCwd("/work/project").setCredentials(Credentials.newBuilder()
                .setRealUid(1000).setEffectiveUid(1000).setSavedUid(1000).setRealGid(1000).setEffectiveGid(1000)
                .setSavedGid(1000)).build();
        return ExecveInfo.newBuilder().setContextData(ctx).setBinaryPath("/usr/bin/true").addArgv("/bin/true")
                .addAllEnv(env).setBinaryMode(0100755).setBinaryIno(1_234_567).setBinarySize(26_936).setBinaryNlink(1)
                .setBinaryCtime(Timespec.newBuilder().setSec(1_700_000_000).setNsec(123_456_789))
                .setExecfn("/bin/true").build();
    }

    /** The line's points, fired to the text sink. */
    @Benchmark
    public void write() throws SecurityCheckException {
        sink.point(first, null, firstType, firstMsg);
        if (second != null) {
            sink.point(second, null, firstType, secondMsg);
        }
    }
}

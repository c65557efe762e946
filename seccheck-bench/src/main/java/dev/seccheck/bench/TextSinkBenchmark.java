package dev.seccheck.bench;

import dev.seccheck.points.Point;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Exit;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.proto.syscall.Syscall;
import dev.seccheck.sink.CallStrings;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sinks.text.TextOptions;
import dev.seccheck.sinks.text.TextSink;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * TextSinkBenchmark measures the default session's text sink on the commonest line: an openat
 * enter and its exit joined into one strace-like line ({@code 4242 cat openat(AT_FDCWD,
 * "/etc/hostname", O_RDONLY|O_CLOEXEC) = 3}), written to a stream that discards the bytes; and a
 * raw call's line, newfstatat's, with its path read through {@link CallStrings} (an array stands
 * in for the task's memory) or, with none bound, its pointer in hex. Run with the GC profiler to
 * see the bytes allocated per line:
 *
 * <pre>
 * java -jar seccheck-bench/target/benchmarks.jar TextSinkBenchmark -prof gc -f 1 -wi 3 -i 5
 * </pre>
 */
public class TextSinkBenchmark extends AverageTimeBenchmark {

    private static final ContextData CONTEXT = ContextData.newBuilder().setThreadId(4242).setThreadGroupId(4242)
            .setProcessName("cat").setTimeNs(1_764_374_400_000_000_000L).build();
    private static final Open ENTER = Open.newBuilder().setContextData(CONTEXT).setSysno(257).setFd(-100)
            .setPathname("/etc/hostname").setFlags(0x80000).build();
    private static final Open EXIT = ENTER.toBuilder().setExit(Exit.newBuilder().setResult(3)).build();

    private static final Syscall STAT_ENTER = Syscall.newBuilder().setContextData(CONTEXT).setSysno(262).setArg1(-100)
            .setArg2(0x7ffd1000L).setArg3(0x7ffc0000L).build();
    private static final Syscall STAT_EXIT = STAT_ENTER.toBuilder().setExit(Exit.newBuilder()).build();
    private static final byte[] PATH = "/etc/hostname".getBytes(StandardCharsets.UTF_8);
    private static final CallStrings MEMORY = (addr, max) -> new String(PATH, 0, Math.min(PATH.length, max),
            StandardCharsets.UTF_8);

    private TextSink sink;
    private Point enter;
    private Point exit;
    private Point rawEnter;
    private Point rawExit;

    @Setup
    public void setup() {
        enter = BenchSessions.point("syscall/openat/enter");
        exit = BenchSessions.point("syscall/openat/exit");
        rawEnter = BenchSessions.point("syscall/sysno/262/enter");
        rawExit = BenchSessions.point("syscall/sysno/262/exit");
        BitSet joined = new BitSet();
        joined.set(enter.id());
        joined.set(rawEnter.id());
        sink = new TextSink(new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8), false,
                TextOptions.DEFAULTS, joined);
    }

    /** One joined line: the enter leaves it open, the exit closes it. */
    @Benchmark
    public void joinedOpenatLine() throws SecurityCheckException {
        sink.point(enter, null, MessageType.MESSAGE_SYSCALL_OPEN, ENTER);
        sink.point(exit, null, MessageType.MESSAGE_SYSCALL_OPEN, EXIT);
    }

    /** newfstatat's joined line, its path read through the side value as the sentry binds it. */
    @Benchmark
    public void rawNewfstatatLine() throws SecurityCheckException {
        ScopedValue.where(CallStrings.CURRENT, MEMORY).call(() -> {
            rawLine();
            return null;
        });
    }

    /** The same line with no task to read: the path's pointer in hex. */
    @Benchmark
    public void rawNewfstatatLineNoTask() throws SecurityCheckException {
        rawLine();
    }

    private void rawLine() throws SecurityCheckException {
        sink.point(rawEnter, null, MessageType.MESSAGE_SYSCALL_RAW, STAT_ENTER);
        sink.point(rawExit, null, MessageType.MESSAGE_SYSCALL_RAW, STAT_EXIT);
    }
}

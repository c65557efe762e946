package dev.seccheck.bench;

import dev.seccheck.points.Point;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Exit;
import dev.seccheck.proto.syscall.Open;
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
 * "/etc/hostname", O_RDONLY|O_CLOEXEC) = 3}), written to a stream that discards the bytes. Run
 * with the GC profiler to see the bytes allocated per line:
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

    private TextSink sink;
    private Point enter;
    private Point exit;

    @Setup
    public void setup() {
        enter = BenchSessions.point("syscall/openat/enter");
        exit = BenchSessions.point("syscall/openat/exit");
        BitSet joined = new BitSet();
        joined.set(enter.id());
        sink = new TextSink(new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8), false,
                TextOptions.DEFAULTS, joined);
    }

    /** One joined line: the enter leaves it open, the exit closes it. */
    @Benchmark
    public void joinedOpenatLine() {
        sink.point(enter, null, MessageType.MESSAGE_SYSCALL_OPEN, ENTER);
        sink.point(exit, null, MessageType.MESSAGE_SYSCALL_OPEN, EXIT);
    }
}

package dev.seccheck.bench;

import dev.seccheck.points.Point;
import dev.seccheck.points.SyscallType;
import dev.seccheck.state.PointState;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * EnabledBenchmark asks what the check guarding every point costs when the point is disabled:
 * {@code enabled(point)} and {@code syscallEnabled(type, sysno)} next to a plain read of a
 * boolean field, in the same run. A session enables other points so the bitmask is not empty.
 * Peers for the ratio: a volatile field read (cannot be hoisted out of the benchmark loop, like
 * the opaque load in {@code enabled}), and the same bit test written by hand on a plain array.
 *
 * <p>Run: {@code ./build -q -o -pl seccheck-bench -am package -DskipTests &&
 * java -jar seccheck-bench/target/benchmarks.jar EnabledBenchmark -f 2 -wi 3 -i 5 -w 1s -r 1s}
 */
public class EnabledBenchmark extends AverageTimeBenchmark {

    private PointState state;
    // Not final: the checks must read them like a supervisor reads a decoded syscall.
    private Point disabledPoint;
    private int sysno;
    private SyscallType type;
    private boolean plainField;
    private volatile boolean volatileField;
    private long[] plainWords;
    private int pointId;

    @Setup
    public void setup() throws Exception {
        state = BenchSessions.stateWith("""
                {"points": [{"name": "syscall/read/enter"}, {"name": "syscall/sysno/258/enter"},
                            {"name": "sentry/execve"}],
                 "sinks": [{"name": "null"}]}""");
        disabledPoint = BenchSessions.point("syscall/openat/enter");
        sysno = 257;
        pointId = disabledPoint.id();
        plainWords = state.enabledBits();
        type = SyscallType.ENTER;
        if (state.enabled(disabledPoint) || state.syscallEnabled(type, sysno)) {
            throw new IllegalStateException("openat/enter must be disabled for this benchmark");
        }
    }

    /** The baseline: one plain field read. */
    @Benchmark
    public boolean plainFieldRead() {
        return plainField;
    }

    /** A volatile field read: like the plain read, but the JIT may not hoist it out of a loop. */
    @Benchmark
    public boolean volatileFieldRead() {
        return volatileField;
    }

    /** The same bit test done by hand on a plain {@code long[]}: what "one load and a bit test" costs. */
    @Benchmark
    public boolean plainArrayBitTest() {
        int id = pointId;
        return (plainWords[id >>> 6] & (1L << id)) != 0;
    }

    /** {@code enabled(point)} on a disabled point. */
    @Benchmark
    public boolean enabledDisabledPoint() {
        return state.enabled(disabledPoint);
    }

    /** {@code syscallEnabled(type, sysno)} on a disabled syscall point, as the supervisor asks it. */
    @Benchmark
    public boolean syscallEnabledDisabledPoint() {
        return state.syscallEnabled(type, sysno);
    }
}

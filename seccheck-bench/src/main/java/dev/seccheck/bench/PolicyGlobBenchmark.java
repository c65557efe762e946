package dev.seccheck.bench;

import dev.seccheck.points.Point;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.state.PointState;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * PolicyGlobBenchmark asks what the policy sink's glob rules cost one openat: its enter point fired
 * to a policy of three glob rules (an absolute prefix with a star, a name anywhere, a tree with
 * {@code **}) with a library path that none matches, a path deep in a source tree, and a path the
 * first rule denies (its alert to /dev/null).
 *
 * <p>Run: {@code ./build -q -o -pl seccheck-bench -am package -DskipTests &&
 * java -jar seccheck-bench/target/benchmarks.jar PolicyGlobBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s}
 */
public class PolicyGlobBenchmark extends AverageTimeBenchmark {

    private static final ContextData CONTEXT = ContextData.newBuilder().setThreadId(4242).setThreadGroupId(4242)
            .setProcessName("cc1").build();

    private PointState state;
    private Point openat;

    @Setup
    public void setup() throws Exception {
        state = BenchSessions.stateWith("""
                {"points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"]}],
                 "sinks": [{"name": "policy", "config": {"path": "/dev/null", "rules": [
                   {"point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "/etc/shadow*"}},
                    "action": "deny", "errno": "EACCES"},
                   {"point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "*.key"}},
                    "action": "deny", "errno": "EACCES"},
                   {"point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "/srv/**/secrets/*.pem"}},
                    "action": "deny", "errno": "EACCES"}]}}]}""");
        openat = BenchSessions.point("syscall/openat/enter");
    }

    /** A shared library's path: no rule matches. */
    @Benchmark
    public int library() {
        return fire("/usr/lib/x86_64-linux-gnu/libc.so.6");
    }

    /** A header deep in a build tree: no rule matches. */
    @Benchmark
    public int sourceTree() {
        return fire("/home/user/work/project/build/generated/include/project/detail/config_types.h");
    }

    /** The first rule denies it. */
    @Benchmark
    public int denied() {
        return fire("/etc/shadow");
    }

    private int fire(String path) {
        Open msg = Open.newBuilder().setContextData(CONTEXT).setSysno(257).setFd(-100).setPathname(path)
                .setFlags(0x80000).build();
        return state.fire(openat, f -> msg,
                (sink, f, m) -> sink.syscall(openat, f, MessageType.MESSAGE_SYSCALL_OPEN, m));
    }
}

package dev.seccheck.bench;

import dev.seccheck.session.SessionConfig;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SessionManager;
import dev.seccheck.state.PointState;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * SessionBenchmark asks what creating and then deleting a session costs (sinks validated, set up
 * and made, routing snapshot published twice, gate closed), with one point or every raw syscall
 * enter point, beside another live session. Parsing the JSON is measured separately.
 *
 * <p>Run: {@code ./build -q -o -pl seccheck-bench -am package -DskipTests &&
 * java -jar seccheck-bench/target/benchmarks.jar SessionBenchmark -f 2 -wi 3 -i 5 -w 1s -r 1s}
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SessionBenchmark extends AverageTimeBenchmark {

    /** How many points the created session enables. */
    @Param({"1", "442"})
    public int points;

    private SessionManager manager;
    private SessionConfigParser parser;
    private String json;
    private SessionConfig config;

    @Setup
    public void setup() throws Exception {
        parser = BenchSessions.parser();
        manager = BenchSessions.managerWith(new PointState(), parser, """
                {"name": "other", "points": [{"name": "syscall/openat/enter"}], "sinks": [{"name": "null"}]}""");
        String list = points == 1
                ? "{\"name\": \"syscall/execve/enter\", \"context_fields\": [\"time\", \"thread_id\"]}"
                : IntStream.range(0, points).mapToObj(n -> "{\"name\": \"syscall/sysno/" + n + "/enter\"}")
                        .collect(Collectors.joining(", "));
        json = "{\"name\": \"bench\", \"points\": [" + list + "], \"sinks\": [{\"name\": \"null\"}]}";
        config = parser.parse(json);
    }

    /** Create then delete a parsed session. */
    @Benchmark
    public int createDelete() throws Exception {
        int n = manager.create(config, false).pointCount();
        manager.delete("bench");
        return n;
    }

    /** Parsing and checking the session JSON, for comparison. */
    @Benchmark
    public SessionConfig parse() throws Exception {
        return parser.parse(json);
    }
}

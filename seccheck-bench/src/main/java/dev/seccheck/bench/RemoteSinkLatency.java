package dev.seccheck.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.remote.consumer.EventServer;
import dev.seccheck.remote.server.CountingHandler;
import dev.seccheck.remote.server.MessagePrinter;
import dev.seccheck.remote.server.OutputFormat;
import dev.seccheck.remote.sink.RemoteConfig;
import dev.seccheck.remote.sink.RemoteSink;
import dev.seccheck.remote.sink.RemoteSinkDescriptor;
import dev.seccheck.session.JsonSinkConfig;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * RemoteSinkLatency answers "how long does one {@code RemoteSink.write} take when many threads
 * send into a real monitoring server": THREADS threads each write COUNT Open messages, pausing
 * GAP_US between writes (a traced open costs tens of microseconds of ptrace stops anyway), into
 * an in-process {@code EventServer} printing text lines to a file, like {@code seccheck server
 * --out}. It prints the per-call latency distribution (p50 ... max), the calls over 10 ms and the
 * drops. A plain harness, not JMH: the question is the tail of single calls, not throughput.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp seccheck-bench/target/seccheck-bench-*.jar \
 *     dev.seccheck.bench.RemoteSinkLatency [THREADS=16] [COUNT=3000] [GAP_US=20] [SINK_CONFIG_JSON]
 * </pre>
 */
public final class RemoteSinkLatency {
    private RemoteSinkLatency() {}

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
        long gapNanos = (args.length > 2 ? Long.parseLong(args[2]) : 20) * 1000;
        String extra = args.length > 3 ? args[3] : "{}";
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "rsl");
        Path sock = dir.resolve("s");
        Path out = dir.resolve("out");
        PrintStream lines = new PrintStream(new BufferedOutputStream(new FileOutputStream(out.toFile()), 1 << 16),
                false, StandardCharsets.UTF_8);
        long[][] nanos = new long[threads][count];
        RemoteSink sink;
        MessagePrinter printer = new MessagePrinter(OutputFormat.TEXT, lines, System.err);
        CountingHandler counting = new CountingHandler(printer);
        try (EventServer _ = EventServer.start(sock, counting)) {
            ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree(extra);
            cfg.put("endpoint", sock.toString());
            RemoteSinkDescriptor d = new RemoteSinkDescriptor();
            RemoteConfig config = d.validate(JsonSinkConfig.parse(cfg.toString(), "sinks[0].config"), List.of());
            sink = (RemoteSink) d.create(config, d.setup(config));
            Thread[] ts = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                long[] mine = nanos[t];
                ts[t] = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < count; i++) {
                        long start = System.nanoTime();
                        sink.write(MessageType.MESSAGE_SYSCALL_OPEN, RemoteSinkBenchmark.OPEN);
                        mine[i] = System.nanoTime() - start;
                        LockSupport.parkNanos(gapNanos);
                    }
                });
            }
            for (Thread t : ts) {
                t.join();
            }
            // Let the server read what is queued before it closes: the count must be whole.
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (counting.messages() + sink.status().dropped() < (long) threads * count && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }
            System.out.println("received=" + counting.messages());
            sink.stop();
        }
        lines.close();
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < count; i++) {
                if (nanos[t][i] > 10_000_000) {
                    System.out.printf("slow: thread %d call %d took %d us%n", t, i, nanos[t][i] / 1000);
                }
            }
        }
        long[] all = Arrays.stream(nanos).flatMapToLong(Arrays::stream).sorted().toArray();
        long over10ms = Arrays.stream(all).filter(n -> n > 10_000_000).count();
        System.out.printf("threads=%d count=%d gap=%dus config=%s%n", threads, count, gapNanos / 1000, extra);
        System.out.printf("calls=%d dropped=%d over10ms=%d p50=%dus p99=%dus p99.9=%dus p99.99=%dus max=%dus%n",
                all.length, sink.status().dropped(), over10ms, at(all, 0.5), at(all, 0.99), at(all, 0.999),
                at(all, 0.9999), all[all.length - 1] / 1000);
        Files.deleteIfExists(out);
        Files.deleteIfExists(dir);
    }

    private static long at(long[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))] / 1000;
    }
}

package dev.seccheck.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldDesc;
import dev.seccheck.kafka.Harness.Collect;
import dev.seccheck.kafka.Harness.Run;
import dev.seccheck.kafka.Harness.Sinks;
import dev.seccheck.kafka.broker.BrokerExtension;
import dev.seccheck.kafka.sink.KafkaSink;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.PointDesc;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.remote.consumer.Event;
import dev.seccheck.remote.consumer.EventServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real programs under the supervisor send their points through the kafka sink to a real broker
 * (one per class, a process of its own on loopback), and the points are read back through the
 * consumer API's Kafka source: every message type arrives and decodes to what was fired, and a
 * multi-threaded program's 10,000 points all arrive, in each thread's order.
 */
class KafkaBrokerTest {
    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension();

    @TempDir
    Path scratch;

    static String unique(String prefix) {
        return prefix + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
    }

    /**
     * A sink on the test broker. These tests check delivery and order, not the budget: the
     * default 10 ms max_block is missed when a loaded host starves the client's threads (a full
     * suite at load 15 saw one send refused, then every point dropped until the probe answered),
     * so the budget here is one a healthy broker always meets.
     */
    static String sinkConfig(String topic) {
        return "{\"bootstrap_servers\": \"" + BROKER.bootstrap() + "\", \"topic\": \"" + topic + "\", \"max_block\": \"2s\"}";
    }

    /** Every point of the catalog but the raw ones (one kept), with every field. */
    static String allPoints() {
        List<String> points = new ArrayList<>();
        for (PointDesc d : Catalog.standard().points()) {
            if (d.name().startsWith("syscall/sysno/") && !d.name().equals("syscall/sysno/1/enter")) {
                continue;
            }
            points.add("{\"name\": \"" + d.name() + "\", \"optional_fields\": " + names(d.optionalFields())
                    + ", \"context_fields\": " + names(d.contextFields()) + "}");
        }
        return "[" + String.join(",\n", points) + "]";
    }

    private static String names(List<FieldDesc> fields) {
        return fields.stream().map(f -> "\"" + f.name() + "\"").collect(Collectors.joining(", ", "[", "]"));
    }

    @Test
    void everyMessageTypeOfTheAllPointsWorkloadArrivesAndDecodesToWhatWasFired() throws Exception {
        Path everySyscall = Harness.compile(Path.of("../seccheck-sentry/src/test/c/every_syscall.c").toAbsolutePath());
        String topic = unique("all-points");
        String runId = unique("run");
        Sinks sinks = new Sinks();
        Run run = Harness.run(sinks, runId, allPoints(), sinkConfig(topic),
                List.of(everySyscall.toString(), scratch.toString()));
        assertThat(run.status()).isZero();
        KafkaSink sink = sinks.kafka.getFirst();
        assertThat(sink.dropped()).isZero();
        assertThat(sink.sent()).isEqualTo(sinks.fired.size());

        Collect got = new Collect();
        try (EventServer _ = Harness.readAll(BROKER.bootstrap(), topic, got)) {
            Harness.await(() -> got.events.size() >= sinks.fired.size(), 60, "every record of the run");
        }
        Set<MessageType> fired = sinks.fired.stream().map(Harness.Fired::type).collect(Collectors.toSet());
        // The workload fires every schematized syscall type, the raw one, and every sentry and container point.
        assertThat(fired).hasSizeGreaterThanOrEqualTo(31 + 1 + 6);
        assertThat(got.events.stream().map(Event::type).collect(Collectors.toSet())).isEqualTo(fired);
        List<Message> received = got.events.stream().map(Event::message).toList();
        assertThat(received).containsExactlyInAnyOrderElementsOf(sinks.fired.stream().map(Harness.Fired::msg).toList());
        assertThat(got.events).allSatisfy(e -> {
            assertThat(e.connection().id()).as("one run, one key, one connection").isEqualTo(1);
            assertThat(e.connection().malformed()).isZero();
            assertThat(e.connection().unknown()).isZero();
            assertThat(e.dropped()).isZero();
        });
    }

    @Test
    void tenThousandPointsOfEightThreadsAllArriveInEachThreadsOrder() throws Exception {
        Path program = Harness.compile(Path.of("src/test/c/open_threads.c").toAbsolutePath());
        String topic = unique("threads");
        Sinks sinks = new Sinks();
        Run run = Harness.run(sinks, unique("run"), "[{\"name\": \"syscall/openat/enter\", \"context_fields\": "
                + "[\"container_id\", \"thread_id\"]}]", sinkConfig(topic),
                List.of(program.toString(), scratch.toString(), "8", "1250"));
        assertThat(run.status()).isZero();
        KafkaSink sink = sinks.kafka.getFirst();
        assertThat(sink.dropped()).as("dropped with a broker that keeps up").isZero();
        assertThat(sink.sent()).isEqualTo(sinks.fired.size());

        Collect got = new Collect();
        try (EventServer _ = Harness.readAll(BROKER.bootstrap(), topic, got)) {
            Harness.await(() -> got.events.size() >= sinks.fired.size(), 90, "every record of the run");
        }
        String prefix = scratch + "/t";
        Map<Integer, List<Integer>> byThread = new HashMap<>();
        for (Event e : got.events) {
            String path = ((Open) e.message()).getPathname();
            if (path.startsWith(prefix)) {
                String[] parts = path.substring(prefix.length()).split("-");
                byThread.computeIfAbsent(Integer.parseInt(parts[0]), t -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
            }
        }
        assertThat(byThread.values().stream().mapToInt(List::size).sum()).isEqualTo(10_000);
        List<Integer> inOrder = java.util.stream.IntStream.range(0, 1250).boxed().toList();
        assertThat(byThread).hasSize(8).allSatisfy((thread, seq) -> assertThat(seq).as("thread %d", thread)
                .isEqualTo(inOrder));
    }

    @Test
    void aRunsRecordsAreKeyedByTheRunIdAndTheReadersConnectedLineNamesRunAndHost() throws Exception {
        String topic = unique("keyed");
        String runId = unique("run");
        Sinks sinks = new Sinks();
        // No context field: the points themselves do not say which run they are of.
        Run run = Harness.run(sinks, runId, "[{\"name\": \"syscall/openat/enter\"}]", sinkConfig(topic),
                List.of("/bin/sh", "-c", ": < /etc/hostname"));
        assertThat(run.status()).isZero();
        assertThat(sinks.kafka.getFirst().sent()).isEqualTo(sinks.fired.size()).isPositive();

        Harness.CollectLogged got = new Harness.CollectLogged();
        try (EventServer _ = Harness.readAll(BROKER.bootstrap(), topic, got)) {
            Harness.await(() -> got.events.size() >= sinks.fired.size(), 60, "every record of the run");
        }
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        assertThat(got.logged())
                .as("one run, one key: the run's id").first()
                .isEqualTo("client-0001 connected: run \"" + runId + "\" from host " + host + ", version 1");
        assertThat(got.events).allSatisfy(e -> assertThat(e.connection().source())
                .isEqualTo("run \"" + runId + "\" from host " + host));
    }
}

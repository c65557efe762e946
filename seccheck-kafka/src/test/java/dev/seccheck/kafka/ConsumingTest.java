package dev.seccheck.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.seccheck.kafka.Harness.Collect;
import dev.seccheck.kafka.broker.BrokerExtension;
import dev.seccheck.kafka.sink.KafkaConfig;
import dev.seccheck.kafka.sink.KafkaSink;
import dev.seccheck.kafka.sink.KafkaSinkDescriptor;
import dev.seccheck.kafka.source.KafkaSource;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.proto.syscall.Syscall;
import dev.seccheck.remote.consumer.Event;
import dev.seccheck.remote.consumer.EventServer;
import dev.seccheck.remote.consumer.EventSource;
import dev.seccheck.remote.consumer.ProcessInfo;
import dev.seccheck.remote.consumer.ProcessTracker;
import dev.seccheck.remote.replay.TraceFile;
import dev.seccheck.remote.replay.TraceSaver;
import dev.seccheck.remote.server.MessagePrinter;
import dev.seccheck.remote.server.OutputFormat;
import dev.seccheck.remote.sink.RemoteConfig;
import dev.seccheck.remote.sink.RemoteSinkDescriptor;
import dev.seccheck.remote.sink.RemoteSink;
import dev.seccheck.remote.wire.WireHeader;
import dev.seccheck.sink.ConfigValue;
import dev.seccheck.sink.SinkConfig;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import dev.seccheck.kafka.RecordHeaders;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consuming side on a real broker: the server prints for a topic exactly what it prints for
 * the socket, the consumer API's {@link ProcessTracker} works on a topic, a topic is saved to
 * gVisor's trace format, and two readers of one group split a 4-partition topic, together seeing
 * every record once.
 */
class ConsumingTest {
    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension();

    @TempDir
    Path dir;

    static ContextData context(String run, int tgid) {
        return ContextData.newBuilder().setContainerId(run).setThreadGroupId(tgid).setThreadId(tgid)
                .setProcessName("p" + tgid).setTimeNs(1_700_000_000_000_000_000L + tgid).build();
    }

    /** One run's points of several kinds: container start, a fork, an exec, opens, a raw syscall. */
    static List<Map.Entry<MessageType, Message>> points(String run) {
        List<Map.Entry<MessageType, Message>> m = new ArrayList<>();
        m.add(Map.entry(MessageType.MESSAGE_CONTAINER_START, Start.newBuilder().setId(run)
                .setContextData(context(run, 10)).addArgs("/bin/sh").addArgs("-c").addArgs("ls").build()));
        m.add(Map.entry(MessageType.MESSAGE_SENTRY_CLONE, CloneInfo.newBuilder().setContextData(context(run, 10))
                .setCreatedThreadGroupId(11).setCreatedThreadId(11).build()));
        m.add(Map.entry(MessageType.MESSAGE_SENTRY_EXEC, ExecveInfo.newBuilder().setContextData(context(run, 11))
                .setBinaryPath("/bin/ls").addArgv("ls").addArgv("-l").build()));
        for (int i = 0; i < 5; i++) {
            m.add(Map.entry(MessageType.MESSAGE_SYSCALL_OPEN, Open.newBuilder().setContextData(context(run, 11))
                    .setSysno(257).setFd(-100).setPathname("/etc/f" + i).setFlags(0).build()));
        }
        m.add(Map.entry(MessageType.MESSAGE_SYSCALL_RAW, Syscall.newBuilder().setContextData(context(run, 11))
                .setSysno(39).build()));
        return m;
    }

    KafkaSink kafkaSink(String topic, String... keyValue) throws Exception {
        Map<String, ConfigValue> entries = new LinkedHashMap<>();
        entries.put("bootstrap_servers", new ConfigValue.Text("c.bootstrap_servers", BROKER.bootstrap()));
        entries.put("topic", new ConfigValue.Text("c.topic", topic));
        KafkaSinkDescriptor d = new KafkaSinkDescriptor();
        KafkaConfig c = d.validate(new SinkConfig("c", entries), List.of());
        return (KafkaSink) d.create(c, d.setup(c));
    }

    String printed(EventServer server, ByteArrayOutputStream out, int lines) {
        Harness.await(() -> out.toString(StandardCharsets.UTF_8).lines().count() >= lines, 60, lines + " lines");
        server.close();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theServerPrintsForATopicExactlyWhatItPrintsForTheSocket() throws Exception {
        String topic = KafkaBrokerTest.unique("print");
        List<Map.Entry<MessageType, Message>> points = points("run-print");
        for (OutputFormat format : OutputFormat.values()) {
            ByteArrayOutputStream viaSocket = new ByteArrayOutputStream();
            Path sock = dir.resolve("s-" + format);
            EventServer socketServer = EventServer.start(sock, new MessagePrinter(format,
                    new PrintStream(viaSocket, true, StandardCharsets.UTF_8), Harness.quiet()));
            RemoteSinkDescriptor rd = new RemoteSinkDescriptor();
            RemoteConfig rc = rd.validate(new SinkConfig("c", Map.of("endpoint",
                    new ConfigValue.Text("c.endpoint", sock.toString()))), List.of());
            RemoteSink remote = (RemoteSink) rd.create(rc, rd.setup(rc));
            points.forEach(p -> remote.write(p.getKey(), p.getValue()));
            String socketText = printed(socketServer, viaSocket, points.size());
            remote.stop();

            if (format == OutputFormat.TEXT) {
                KafkaSink sink = kafkaSink(topic);
                points.forEach(p -> sink.write(p.getKey(), p.getValue()));
                sink.stop();
                assertThat(sink.sent()).isEqualTo(points.size());
            }
            ByteArrayOutputStream viaKafka = new ByteArrayOutputStream();
            EventServer kafkaServer = Harness.readAll(BROKER.bootstrap(), topic, new MessagePrinter(format,
                    new PrintStream(viaKafka, true, StandardCharsets.UTF_8), Harness.quiet()));
            String kafkaText = printed(kafkaServer, viaKafka, points.size());

            assertThat(kafkaText).as("%s output", format).isEqualTo(socketText);
            assertThat(kafkaText.lines().count()).isEqualTo(points.size());
        }
    }

    @Test
    void theProcessTrackerAndTheTraceSaverTakeTheirPointsFromATopic() throws Exception {
        String topic = KafkaBrokerTest.unique("tracker");
        List<Map.Entry<MessageType, Message>> points = points("run-tracker");
        KafkaSink sink = kafkaSink(topic);
        points.forEach(p -> sink.write(p.getKey(), p.getValue()));
        sink.stop();

        ProcessTracker tracker = new ProcessTracker();
        List<ProcessInfo> chain = new ArrayList<>();
        Collect all = new Collect() {
            @Override
            public void onEvent(Event e) {
                super.onEvent(e);
                tracker.onEvent(e);
                if (events.size() == points.size()) {
                    chain.addAll(tracker.chain(e.connection(), 11));
                }
            }
        };
        try (EventServer _ = Harness.readAll(BROKER.bootstrap(), topic, all)) {
            Harness.await(() -> !chain.isEmpty(), 60, "every point through the tracker");
        }
        assertThat(chain).extracting(ProcessInfo::pid, ProcessInfo::binary)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(11, "/bin/ls"),
                        org.assertj.core.groups.Tuple.tuple(10, "/bin/sh"));

        Path traces = dir.resolve("traces");
        TraceSaver saver = new TraceSaver(traces, Harness.quiet());
        EventSource.Running saving = new KafkaSource(new KafkaSource.Options(BROKER.bootstrap(), topic, null, true),
                Harness.quiet()).start(saver, saver);
        Harness.await(() -> Files.exists(traces.resolve("client-0001")), 60, "the trace file");
        Thread.sleep(1500); // one tick flushes what was read
        saving.close();
        TraceFile trace;
        try (InputStream in = Files.newInputStream(traces.resolve("client-0001"))) {
            trace = TraceFile.read(in);
        }
        assertThat(trace.packets()).hasSize(points.size());
        for (int i = 0; i < points.size(); i++) {
            byte[] p = trace.packets().get(i);
            WireHeader h = WireHeader.decode(p, p.length);
            assertThat(h.messageType()).isEqualTo(points.get(i).getKey().getNumber());
            assertThat(java.util.Arrays.copyOfRange(p, h.headerSize(), p.length))
                    .isEqualTo(points.get(i).getValue().toByteArray());
        }
    }

    @Test
    void twoReadersOfOneGroupSplitAFourPartitionTopicAndTogetherSeeEveryRecordOnce() throws Exception {
        String topic = KafkaBrokerTest.unique("group");
        String group = KafkaBrokerTest.unique("readers");
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrap());
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(topic, 4, (short) 1))).all().get(60, TimeUnit.SECONDS);
            Collect a = new Collect();
            Collect b = new Collect();
            KafkaSource.Options options = new KafkaSource.Options(BROKER.bootstrap(), topic, group, true);
            try (EventServer _ = EventServer.start(new KafkaSource(options, Harness.quiet()), a);
                    EventServer _ = EventServer.start(new KafkaSource(options, Harness.quiet()), b)) {
                Harness.await(() -> bothAssigned(admin, group), 90, "both readers to hold partitions");
                KafkaSink sink = kafkaSink(topic);
                int runs = 40;
                int each = 25;
                for (int i = 0; i < each; i++) {
                    for (int r = 0; r < runs; r++) {
                        sink.write(MessageType.MESSAGE_SYSCALL_OPEN, Open.newBuilder()
                                .setContextData(context("run-" + r, 1)).setPathname("/f/" + r + "/" + i).build());
                    }
                }
                sink.stop();
                assertThat(sink.sent()).isEqualTo(runs * each);
                Harness.await(() -> a.events.size() + b.events.size() >= runs * each, 60, "every record");
                Thread.sleep(500); // a duplicate would come right after
                Set<String> seenA = paths(a);
                Set<String> seenB = paths(b);
                assertThat(a.events.size() + b.events.size()).as("no record twice").isEqualTo(runs * each);
                assertThat(seenA).isNotEmpty().doesNotContainAnyElementsOf(seenB);
                assertThat(seenB).isNotEmpty();
                Set<String> runsA = runs(a);
                assertThat(runsA).as("a run's points stay with one reader").doesNotContainAnyElementsOf(runs(b));
            }
        }
    }

    private static boolean bothAssigned(Admin admin, String group) {
        try {
            ConsumerGroupDescription g = admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS)
                    .get(group);
            return g.members().size() == 2
                    && g.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty());
        } catch (Exception e) {
            return false;
        }
    }

    private static Set<String> paths(Collect c) {
        return c.events.stream().map(e -> ((Open) e.message()).getPathname()).collect(Collectors.toCollection(HashSet::new));
    }

    private static Set<String> runs(Collect c) {
        return c.events.stream().map(e -> ((Open) e.message()).getContextData().getContainerId()).collect(Collectors.toSet());
    }

    @Test
    void aRecordKeyOrHostHeaderCannotForgeALineOfTheReadersLog() throws Exception {
        String topic = KafkaBrokerTest.unique("forged");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        // Anyone who may write to the topic chooses the key and the headers.
        String key = "evil\nclient-0002 connected: pid 1, uid 0, version 1";
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(topic, null, key.getBytes(StandardCharsets.UTF_8),
                    Open.newBuilder().setPathname("/x").build().toByteArray(), List.of(
                            new RecordHeader(RecordHeaders.TYPE, RecordHeaders.number(MessageType.MESSAGE_SYSCALL_OPEN_VALUE)),
                            new RecordHeader(RecordHeaders.HOST, "h1\rclient-0003 x".getBytes(StandardCharsets.UTF_8)))))
                    .get(60, TimeUnit.SECONDS);
        }
        Harness.CollectLogged got = new Harness.CollectLogged();
        try (EventServer _ = Harness.readAll(BROKER.bootstrap(), topic, got)) {
            Harness.await(() -> !got.events.isEmpty(), 60, "the record");
        }
        assertThat(got.logged()).containsExactly(
                "client-0001 connected: run \"evil\\nclient-0002 connected: pid 1, uid 0, version 1\" from host "
                        + "h1\\rclient-0003\\x20x, version 1");
    }
}

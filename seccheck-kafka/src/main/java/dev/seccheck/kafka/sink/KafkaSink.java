package dev.seccheck.kafka.sink;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.kafka.RecordHeaders;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.sink.DropNotices;
import dev.seccheck.sink.PointSink;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sink.SinkStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * KafkaSink sends every point as one Kafka record: the value is the point's protobuf message
 * exactly as the remote sink sends it after its header, the headers ({@link RecordHeaders}) carry
 * the message type, the dropped count and the host. The key is {@code key} from the
 * configuration, else the id of the run the session belongs to (what its points report as
 * {@code container_id}), so one run's points stay in order in one partition. A session of no run
 * (a library user's) keys each point by its {@code container_id} context field, and by
 * {@code host:pid} of the supervising process when the session does not collect it.
 *
 * <p>It never throws and never blocks the checked thread: that thread serializes the point and
 * queues it ({@link SendQueue}); a thread of the sink's own calls the client's {@code send}, which
 * waits at most {@code max_block}, for metadata or buffer room. The sink drops (counted) before
 * the records queued and in flight fill half the client's buffer, so the client's own wait for
 * room is a last resort. A broker that goes away is reconnected by the client on its own; meanwhile records wait
 * in the buffer until it is half full, then new points are dropped. When the client forgets the
 * topic's metadata (it does once the broker is gone a while) a send waits the whole
 * {@code max_block} and fails. One such refusal is only a <em>suspicion</em>: on a loaded host a
 * 10 ms budget can run out while the broker is fine, and dropping every point until a probe
 * answers then lost most of a run's points (5,900 of 10,000 once, at load 15). So the first
 * refusal drops that point and starts one background thread that asks the broker itself
 * ({@link BrokerProbe}: a fresh metadata request, never the producer's cache); a second refusal
 * before the probe has its answer makes the sink <em>congested</em>: it drops every point at once
 * until the probe's broker answers and the client has the topic's partitions again, which clears
 * both. A lost broker thus costs two budgets, not one per point (as the remote sink does); a
 * spurious refusal costs one point.
 * Every point is counted exactly once, as sent (the broker acknowledged it) or dropped (refused at
 * once, or failed later: the callback); after {@link #stop} the counts are final.
 *
 * <p>A point dropped at once (the buffer half full, the sink congested or stopped) fails the
 * operation it reports when {@code on_drop} says so, as the remote sink's does: a program cannot
 * act unrecorded by first making the broker slow or unreachable. A record queued and failed later
 * (the broker went away after taking it into the buffer) is counted only: its operation has
 * already gone on; the buffer bounds how many such records there can be.
 */
public final class KafkaSink implements PointSink {
    /** Bytes a record costs the client's buffer beyond key and value: headers and batch framing. */
    static final int RECORD_OVERHEAD = 128;

    private final KafkaConfig config;
    private final Producer<byte[], byte[]> producer;
    private final byte[] fixedKey;
    private final byte[] hostKey;
    private final Header host;
    private final long inFlightLimit;
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final LongAdder sent = new LongAdder();
    private final ConcurrentHashMap<String, byte[]> keys = new ConcurrentHashMap<>();
    private final Header[] typeHeaders;
    /**
     * Set when a send failed inside the client (it waited its max_block for metadata); cleared by
     * the prober once the broker answers. Plain volatile: a stale read costs one more wait or one
     * more drop, never a lost count.
     */
    private volatile boolean congested;
    /**
     * Set by a send the client refused after waiting its budget, while no probe has answered
     * since; a second refusal while it is set congests the sink. Cleared by the prober.
     */
    private final AtomicBoolean suspect = new AtomicBoolean();
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile Thread prober;
    private volatile boolean stopped;
    private final SendQueue queue;
    private final DropNotices notices;

    /** Wraps a producer whose broker answered metadata for {@code config.topic()}, for a session of no run. */
    public KafkaSink(KafkaConfig config, Producer<byte[], byte[]> producer) {
        this(config, producer, Optional.empty());
    }

    /**
     * Wraps a producer whose broker answered metadata for {@code config.topic()}, for a session
     * of run {@code runId} (when present), the key of its records unless {@code key} is set.
     */
    public KafkaSink(KafkaConfig config, Producer<byte[], byte[]> producer, Optional<String> runId) {
        this.config = config;
        this.producer = producer;
        this.fixedKey = config.key().or(() -> runId).map(k -> k.getBytes(StandardCharsets.UTF_8)).orElse(null);
        String hostName = hostName();
        this.host = new RecordHeader(RecordHeaders.HOST, hostName.getBytes(StandardCharsets.UTF_8));
        this.hostKey = (hostName + ":" + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8);
        this.inFlightLimit = config.bufferBytes() / 2;
        MessageType[] types = MessageType.values();
        this.typeHeaders = new Header[types.length];
        for (MessageType t : types) {
            if (t != MessageType.UNRECOGNIZED) {
                typeHeaders[t.ordinal()] = new RecordHeader(RecordHeaders.TYPE, RecordHeaders.number(t.getNumber()));
            }
        }
        this.queue = new SendQueue("seccheck-kafka-send", this::send,
                p -> new Outcome(p.cost()).onCompletion(null, new IllegalStateException("the sink stopped")));
        this.notices = new DropNotices(config.onDrop(), "sink kafka queues points for topic " + config.topic()
                + " again");
    }

    /**
     * Sends the point as a record of {@code type}, the message type {@link PointSink} gives each
     * kind of point; a point dropped at once fails its operation unless {@code on_drop} is
     * {@code count}.
     */
    @Override
    public void point(Point point, FieldSet fields, MessageType type, Message msg) throws SecurityCheckException {
        if (write(type, msg)) {
            notices.delivered();
        } else {
            notices.dropped(() -> "sink kafka cannot queue points for topic " + config.topic() + " at "
                    + config.bootstrapServers() + " (" + (stopped ? "the sink stopped"
                            : congested ? "the broker does not answer" : "its buffer is half full") + ")",
                    () -> "the kafka sink dropped " + point.name() + " (topic " + config.topic() + ")");
        }
    }

    /** Returns how many records the broker acknowledged. */
    public long sent() {
        return sent.sum();
    }

    /** Reports the points dropped, for {@code trace list}. */
    @Override
    public SinkStatus status() {
        return new SinkStatus(dropped.get());
    }

    /** Returns how many points were dropped (the same as {@link #status()}'s). */
    public long dropped() {
        return dropped.get();
    }

    /**
     * Waits at most {@code close_timeout} for the records in the buffer, then fails the rest, whose
     * callbacks count them dropped: the counts are final when this returns.
     */
    @Override
    public void stop() {
        stopped = true;
        // What is queued is sent first; a lost broker turns that into drops after two budgets.
        queue.close(config.closeTimeout().plus(config.maxBlock().multipliedBy(2)).plusSeconds(1));
        Thread t = prober;
        if (t != null) {
            t.interrupt();
            try {
                t.join(config.maxBlock().toMillis() + 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        producer.close(config.closeTimeout());
    }

    @Override
    public String name() {
        return "kafka";
    }

    /** Returns whether the sink drops every point until the broker answers again. */
    public boolean congested() {
        return congested;
    }

    /**
     * Queues one message for the client; returns whether it was queued (false: dropped and counted
     * now; a queued record may still be dropped later, and is counted then). Public so benchmarks
     * can drive the sink without a session.
     */
    public boolean write(MessageType type, Message msg) {
        if (congested || stopped) {
            dropped.incrementAndGet();
            return false;
        }
        byte[] value = msg.toByteArray();
        byte[] key = key(msg);
        long cost = value.length + key.length + RECORD_OVERHEAD;
        if (inFlight.addAndGet(cost) > inFlightLimit) {
            // Full: the broker is slow or gone. Dropping here keeps the client from blocking.
            inFlight.addAndGet(-cost);
            dropped.incrementAndGet();
            return false;
        }
        queue.add(new SendQueue.Pending(type, key, value, cost));
        return true;
    }

    /**
     * Waits until every point written so far was handed to the client or dropped, at most
     * {@code timeout}; returns whether all were. Acknowledgements may still be on their way.
     */
    public boolean awaitHandedOver(Duration timeout) {
        return queue.awaitDone(timeout);
    }

    /** Hands one queued record to the client, on the sink's sending thread. */
    private void send(SendQueue.Pending p) {
        Outcome outcome = new Outcome(p.cost());
        if (congested) {
            outcome.onCompletion(null, new IllegalStateException("congested")); // counted dropped
            return;
        }
        Header[] headers = {typeHeaders[p.type().ordinal()],
            new RecordHeader(RecordHeaders.DROPPED, RecordHeaders.number(dropped.get())), host};
        try {
            producer.send(new ProducerRecord<>(config.topic(), null, p.key(), p.value(), List.of(headers)), outcome);
        } catch (RuntimeException e) {
            // The client refused without calling back (closed, interrupted, a serializer error).
            outcome.onCompletion(null, e);
        }
        if (outcome.refusedInSend) {
            // The client refused it inside send, after waiting up to max_block for metadata or room.
            refused();
        }
    }

    /**
     * Called when a send waited its whole budget: the first refusal since the broker last
     * answered a probe starts a probe, the second drops every point until the broker answers.
     */
    void refused() {
        if (!suspect.compareAndSet(false, true)) {
            congested = true;
        }
        if (!stopped && probing.compareAndSet(false, true)) {
            Thread t = Thread.ofPlatform().name("seccheck-kafka-probe").daemon().unstarted(this::probe);
            prober = t;
            t.start();
        }
    }

    /** Asks the broker until it serves the topic, then lets points through again. */
    private void probe() {
        while (true) {
            try (BrokerProbe ask = new BrokerProbe(config)) {
                probeUntilAnswered(ask);
            }
            probing.set(false);
            // A send that failed just before the flag was cleared found it set and left the probing
            // to us: check once more.
            if (stopped || !(congested || suspect.get()) || !probing.compareAndSet(false, true)) {
                return;
            }
        }
    }

    private void probeUntilAnswered(BrokerProbe ask) {
        long delay = 50;
        while (!stopped) {
            if (ask.brokerServesTopic() && clientHasTopic()) {
                suspect.set(false);
                congested = false;
                return;
            }
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                return; // stop()
            }
            delay = Math.min(delay * 2, 1000);
        }
    }

    /**
     * Whether the client itself has the topic's partitions again, fetching them if it forgot them
     * (waiting at most {@code max_block}, on the prober's thread). The probe's own connection finds
     * a restarted broker first; a client that has not caught up yet refuses the next sends once
     * more, each after its whole budget, and the sink, told the broker was back, was congested
     * again and dropped the points of the following moments (BrokerOutageTest, on a loaded host).
     */
    private boolean clientHasTopic() {
        try {
            return !producer.partitionsFor(config.topic()).isEmpty();
        } catch (KafkaException e) {
            return false; // no metadata within the budget, or interrupted by stop()
        }
    }

    /** Counts one record once, whichever way it ends, and gives its bytes back to the budget. */
    private final class Outcome extends AtomicBoolean implements Callback {
        private final long cost;
        private final Thread sender = Thread.currentThread();
        /** Written and read by the sending thread only. */
        boolean refusedInSend;

        Outcome(long cost) {
            this.cost = cost;
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (!compareAndSet(false, true)) {
                return;
            }
            inFlight.addAndGet(-cost);
            if (exception != null && Thread.currentThread() == sender) {
                refusedInSend = true;
            }
            if (exception == null) {
                sent.increment();
            } else {
                dropped.incrementAndGet();
            }
        }
    }

    private byte[] key(Message msg) {
        if (fixedKey != null) {
            return fixedKey;
        }
        String id = containerId(msg);
        return id.isEmpty() ? hostKey : keys.computeIfAbsent(id, s -> s.getBytes(StandardCharsets.UTF_8));
    }

    /** Returns the container id in the message's context data, "" when the session did not ask for it. */
    static String containerId(Message msg) {
        Descriptor d = msg.getDescriptorForType();
        FieldDescriptor f = d.findFieldByName("context_data");
        if (f == null || !msg.hasField(f) || !(msg.getField(f) instanceof ContextData c)) {
            return "";
        }
        return c.getContainerId();
    }

    private static String hostName() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException e) {
            // Not Linux's proc: fall through to the environment.
        }
        String h = System.getenv("HOSTNAME");
        return h == null || h.isEmpty() ? "localhost" : h;
    }
}

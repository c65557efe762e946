package dev.seccheck.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkRegistry;
import dev.seccheck.sink.SinkSetup;
import dev.seccheck.state.PointState;
import dev.seccheck.testing.Fire;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Points fire from several threads while sessions are created, replaced and deleted. The sinks
 * here work a little inside each delivery (a spin loop) so that deliveries are often in progress
 * when a session goes away: a delete that did not wait for them, or a firing that slipped past a
 * closed session, is caught by the counters below.
 */
class SessionConcurrencyTest {

    private static final Point OPENAT = Catalog.standard().byName("syscall/openat/enter").orElseThrow().point();
    private static final int FIRING_THREADS = 3;

    /** CountingSink counts deliveries and notices any that overlaps or follows stop(). */
    static final class CountingSink implements Sink {
        final String label;
        final AtomicLong delivered = new AtomicLong();
        final AtomicInteger afterStop = new AtomicInteger();
        volatile boolean stopped;
        final int spins;

        CountingSink(String label, int spins) {
            this.label = label;
            this.spins = spins;
        }

        @Override
        public String name() {
            return label;
        }

        @Override
        public void syscall(Point point, FieldSet fields, MessageType type, Message msg) {
            if (stopped) {
                afterStop.incrementAndGet();
            }
            for (int i = 0; i < spins; i++) {
                Thread.onSpinWait();
            }
            delivered.incrementAndGet();
            // Still delivering when stop() ran means delete returned while this was in flight.
            if (stopped) {
                afterStop.incrementAndGet();
            }
        }

        @Override
        public void stop() {
            stopped = true;
        }
    }

    /** The sink kind "count": config {"label": ..., "spins": n}; remembers every sink by label. */
    static final class Counting implements SinkDescriptor.Plain {
        final Map<String, CountingSink> byLabel = new ConcurrentHashMap<>();

        @Override
        public String name() {
            return "count";
        }

        @Override
        public Sink create(SinkConfig config, SinkSetup setup) throws dev.seccheck.sink.SinkException {
            CountingSink s = new CountingSink(config.requireString("label"), (int) config.integer("spins").orElse(200));
            byLabel.put(s.label, s);
            return s;
        }
    }

    private final Counting counting = new Counting();
    private final SessionConfigParser parser =
            new SessionConfigParser(Catalog.standard(), new SinkRegistry(List.of(counting)));
    private final PointState state = new PointState();
    private final SessionManager manager = new SessionManager(state, w -> {});
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final AtomicBoolean stopFiring = new AtomicBoolean();
    private final AtomicLong fired = new AtomicLong();

    private SessionConfig session(String name, String label) throws SessionException {
        return parser.parse("{\"name\": \"" + name + "\", \"points\": [{\"name\": \"syscall/openat/enter\"},"
                + " {\"name\": \"syscall/sysno/" + (name.hashCode() & 0xff) + "/enter\"}],"
                + " \"sinks\": [{\"name\": \"count\", \"config\": {\"label\": \"" + label + "\"}}]}");
    }

    /** Starts the threads firing openat until {@code stopFiring}, and returns once all of them run. */
    private List<Thread> startFiring() throws InterruptedException {
        CountDownLatch started = new CountDownLatch(FIRING_THREADS);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < FIRING_THREADS; t++) {
            Thread th = Thread.ofPlatform().name("fire-" + t).start(() -> {
                started.countDown();
                try {
                    while (!stopFiring.get()) {
                        int errno = Fire.syscall(state, OPENAT);
                        fired.incrementAndGet();
                        if (errno != 0) {
                            throw new AssertionError("no sink denies, got errno " + errno);
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(th);
        }
        assertThat(started.await(1, TimeUnit.MINUTES)).as("firing threads started").isTrue();
        return threads;
    }

    /** Joins every thread, failing if one is still running after a minute: a hang is a failure, not a stall. */
    private static void joinAll(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            assertThat(t.join(java.time.Duration.ofMinutes(1))).as("%s ended within a minute", t.getName()).isTrue();
        }
    }

    @Test
    void sessionsComeAndGoWhilePointsFire() throws Exception {
        manager.create(session("keep", "keep"), false);
        List<Thread> firing = startFiring();

        int churners = 2;
        int perChurner = 300;
        Map<String, Long> countAtDelete = new ConcurrentHashMap<>();
        List<String> survivors = new CopyOnWriteArrayList<>();
        List<Thread> churn = new ArrayList<>();
        for (int c = 0; c < churners; c++) {
            int id = c;
            churn.add(Thread.ofPlatform().name("churn-" + c).start(() -> {
                try {
                    for (int i = 0; i < perChurner; i++) {
                        String name = "s" + id + "-" + i;
                        manager.create(session(name, name), false);
                        if (i % 50 == 0) {
                            survivors.add(name);
                            continue;
                        }
                        manager.delete(name);
                        countAtDelete.put(name, counting.byLabel.get(name).delivered.get());
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        joinAll(churn);
        stopFiring.set(true);
        joinAll(firing);

        assertThat(failures).isEmpty();
        assertThat(countAtDelete).hasSize(churners * (perChurner - perChurner / 50));
        long deliveredToDeleted = 0;
        for (Map.Entry<String, Long> e : countAtDelete.entrySet()) {
            CountingSink s = counting.byLabel.get(e.getKey());
            assertThat(s.afterStop).as("deliveries to %s overlapping or after its delete", e.getKey()).hasValue(0);
            assertThat(s.delivered.get()).as("deliveries to %s after delete returned", e.getKey()).isEqualTo(e.getValue());
            deliveredToDeleted += e.getValue();
        }
        assertThat(deliveredToDeleted).as("the deleted sessions really raced the firing threads").isPositive();

        // No lost registration: exactly keep and the survivors are live, enabled, and receive.
        List<String> expected = new ArrayList<>(survivors);
        expected.add("keep");
        assertThat(manager.list()).extracting(SessionInfo::name).containsExactlyInAnyOrderElementsOf(expected);
        for (String name : expected) {
            assertThat(state.enabled(Catalog.standard().byName(
                    "syscall/sysno/" + (name.hashCode() & 0xff) + "/enter").orElseThrow().point())).isTrue();
        }
        Map<String, Long> before = new java.util.HashMap<>();
        expected.forEach(n -> before.put(n, counting.byLabel.get(n).delivered.get()));
        Fire.syscall(state, OPENAT);
        expected.forEach(n -> assertThat(counting.byLabel.get(n).delivered.get()).as(n).isEqualTo(before.get(n) + 1));
        assertThat(counting.byLabel.get("keep").delivered.get()).as("every firing reached the session that stayed")
                .isEqualTo(fired.get() + 1);

        manager.deleteAll();
        assertThat(state.enabledBits()).containsOnly(0L);
    }

    @Test
    void forceReplacementLetsNoPointFallBetweenTheOldAndTheNewSession() throws Exception {
        manager.create(session("S", "S-0"), false);
        List<Thread> firing = startFiring();
        int replacements = 600;
        for (int i = 1; i <= replacements; i++) {
            manager.create(session("S", "S-" + i), true);
        }
        stopFiring.set(true);
        joinAll(firing);

        assertThat(failures).isEmpty();
        assertThat(counting.byLabel).hasSize(replacements + 1);
        long delivered = 0;
        int replacedWhileDelivering = 0;
        for (CountingSink s : counting.byLabel.values()) {
            assertThat(s.afterStop).as("deliveries to %s after it was replaced", s.label).hasValue(0);
            delivered += s.delivered.get();
            if (s.delivered.get() > 0 && s.stopped) {
                replacedWhileDelivering++;
            }
        }
        assertThat(replacedWhileDelivering).as("replacements really raced the firing threads").isPositive();
        assertThat(delivered).as("every firing reached exactly one incarnation of S").isEqualTo(fired.get());
    }
}

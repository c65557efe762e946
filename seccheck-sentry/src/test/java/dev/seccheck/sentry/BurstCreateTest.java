package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.sentry.testing.CWorkloads;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SessionManager;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sink.Sink;
import dev.seccheck.state.PointState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 item 2: sessions created back to back on a busy multi-process workload each reach
 * every process. Before, a create during another's injection replaced the pending layer (threads
 * marked for the first got only the second's syscalls) and an injection meeting an interrupt stop
 * gave up with a log line while the create reported success.
 */
class BurstCreateTest {

    private static final int SESSIONS = 50;
    private static final long EFFECTIVE_NS = TimeUnit.SECONDS.toNanos(1);

    /**
     * Each session also enables the exit of a syscall nobody calls (300 + its index), so each
     * create needs a layer of its own while the previous ones may still be reaching threads.
     */
    private static final int FIRST_UNUSED_SYSCALL = 300;

    /** Denies opens of {@code probe-<index>} and records, per process, when it first denied one. */
    static final class Deny implements Sink {
        final String probe;
        final Map<Integer, Long> firstDenial = new ConcurrentHashMap<>();

        Deny(int index) {
            this.probe = "/probe-" + index;
        }

        @Override
        public String name() {
            return "deny";
        }

        @Override
        public void syscall(Point p, FieldSet f, MessageType t, Message m) throws SecurityCheckException {
            if (m instanceof Open o && o.getPathname().endsWith(probe)) {
                firstDenial.putIfAbsent(o.getContextData().getThreadGroupId(), System.nanoTime());
                throw new SecurityCheckException(13, "denied " + o.getPathname());
            }
        }
    }

    @Test
    void fiftyBackToBackDenySessionsEachReachEveryProcessWithinOneSecond(@TempDir Path dir) throws Exception {
        Path workload = CWorkloads.binary("probe_opener");
        for (int k = 0; k < SESSIONS; k++) {
            Files.createFile(dir.resolve("probe-" + k));
        }
        List<Deny> sinks = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            sinks.add(new Deny(i));
        }
        ThreadLocal<Integer> making = new ThreadLocal<>();
        SessionConfigParser parser = Supervised.parser("deny", () -> sinks.get(making.get()));
        PointState state = new PointState();
        SessionManager sessions = new SessionManager(state, w -> {});
        making.set(0); // the base session's sink: it never sees an open
        // The run starts with lifecycle points only: openat stops nowhere until the first deny session.
        sessions.create(parser.parse("{\"name\":\"base\",\"points\":[{\"name\":\"sentry/clone\"}],"
                + "\"sinks\":[{\"name\":\"deny\"}]}"), false);
        List<String> warnings = new CopyOnWriteArrayList<>();
        Supervisor sup = new Supervisor(state, Catalog.standard(), "burst", warnings::add);
        Supervised.Background run = Supervised.Background.start(sup, List.of(workload.toString(), dir.toString()));
        long[] created = new long[SESSIONS];
        Set<Integer> processes;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(dir.resolve("openers")) || Files.readAllLines(dir.resolve("openers")).size() < 3) {
                assertThat(System.nanoTime()).as("the workload's processes started").isLessThan(deadline);
                Thread.sleep(10);
            }
            for (int i = 0; i < SESSIONS; i++) {
                making.set(i);
                sessions.create(parser.parse("{\"name\":\"deny-" + i + "\",\"points\":[{\"name\":\"syscall/openat/enter\","
                        + "\"context_fields\":[\"group_id\"]},{\"name\":\"syscall/sysno/" + (FIRST_UNUSED_SYSCALL + i) + "/exit\"}],"
                        + "\"sinks\":[{\"name\":\"deny\"}]}"), false);
                created[i] = System.nanoTime();
            }
            processes = Files.readAllLines(dir.resolve("openers")).stream().map(Integer::parseInt)
                    .collect(java.util.stream.Collectors.toSet());
            Thread.sleep(2 * EFFECTIVE_NS / 1_000_000); // a task lacking a layer would open its probes meanwhile
        } finally {
            Files.createFile(dir.resolve("stop"));
            run.finish(60);
        }
        // The three openers live through every create; forked children come and go.
        Set<Integer> openers = processes;
        assertThat(openers).hasSize(3);
        assertThat(run.status()).as("the workload's end").isCompletedWithValue(0);
        List<String> late = new ArrayList<>();
        for (int p : openers) {
            // System.nanoTime is CLOCK_MONOTONIC on Linux, the workload's clock.
            for (String line : Files.readAllLines(dir.resolve("ok-" + p))) {
                int k = Integer.parseInt(line.split(" ")[0]);
                long lastOk = Long.parseLong(line.split(" ")[1]);
                if (lastOk > created[k] + EFFECTIVE_NS) {
                    late.add("probe-" + k + " opened by process " + p + " " + (lastOk - created[k]) / 1_000_000
                            + " ms after the session denying it was created");
                }
            }
            for (int i = 0; i < SESSIONS; i++) {
                if (sinks.get(i).firstDenial.get(p) == null) {
                    late.add("session " + i + " never denied an open of process " + p);
                }
            }
        }
        assertThat(late).as("opens that succeeded later than 1 s after a session denying them was created").isEmpty();
        assertThat(warnings).as("supervisor warnings").noneMatch(w -> w.contains("filter layer"));
    }
}

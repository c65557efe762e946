package dev.seccheck.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.seccheck.abi.Errno;
import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.points.SyscallType;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sink.NameChange;
import dev.seccheck.sink.Sink;
import dev.seccheck.testing.Fire;
import dev.seccheck.testing.RecordingSink;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PointStateTest {

    private static final Point OPENAT = point("syscall/openat/enter");
    private static final Point READ = point("syscall/read/enter");
    private static final Point RAW_GETPID = point("syscall/sysno/39/enter");
    private static final FieldSet TIME = new FieldSet(FieldMask.EMPTY, FieldMask.of(ContextField.TIME.id()));
    private static final FieldSet CWD_AND_PATH = new FieldSet(FieldMask.of(0), FieldMask.of(ContextField.CWD.id()));

    private final PointState state = new PointState();
    private final List<String> journal = new CopyOnWriteArrayList<>();

    private final Logger log = Logger.getLogger(PointState.class.getName());
    private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(r);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    /** Failures PointState logs are captured, both to check them and to keep test output clean. */
    @BeforeEach
    void captureLog() {
        log.addHandler(capture);
        log.setUseParentHandlers(false);
    }

    @AfterEach
    void releaseLog() {
        log.removeHandler(capture);
        log.setUseParentHandlers(true);
    }

    private static Point point(String name) {
        return Catalog.standard().byName(name).orElseThrow().point();
    }

    private static Subscriber sub(Gate gate, List<? extends Sink> sinks, PointReq... points) {
        return new Subscriber(gate, List.copyOf(sinks), List.of(points));
    }

    private static Subscriber sub(List<? extends Sink> sinks, PointReq... points) {
        return sub(new Gate(), sinks, points);
    }

    private RecordingSink sink(String name) {
        return new RecordingSink(name, journal);
    }

    @Test
    void nothingIsEnabledAtFirst() {
        assertThat(state.enabled(OPENAT)).isFalse();
        assertThat(state.enabledBits()).containsOnly(0L);
        assertThat(state.fieldSet(OPENAT)).isEqualTo(FieldSet.EMPTY);
        assertThat(Fire.syscall(state, OPENAT)).isZero();
    }

    @Test
    void publishEnablesExactlyTheSubscribedPoints() {
        state.publish(List.of(sub(List.of(sink("a")), new PointReq(OPENAT, TIME), new PointReq(Point.CLONE, TIME))));
        assertThat(state.enabled(OPENAT)).isTrue();
        assertThat(state.enabled(OPENAT.id())).isTrue();
        assertThat(state.enabled(Point.CLONE)).isTrue();
        assertThat(state.syscallEnabled(SyscallType.ENTER, 257)).isTrue();
        assertThat(state.syscallEnabled(SyscallType.EXIT, 257)).isFalse();
        assertThat(state.syscallEnabled(SyscallType.RAW_ENTER, 257)).isFalse();
        assertThat(state.enabled(READ)).isFalse();
        assertThat(state.syscallEnabled(SyscallType.ENTER, -1)).isFalse();
        assertThat(state.syscallEnabled(SyscallType.ENTER, 442)).isFalse();
        long[] bits = state.enabledBits();
        int enabled = 0;
        for (long w : bits) {
            enabled += Long.bitCount(w);
        }
        assertThat(enabled).isEqualTo(2);
        assertThat(bits[OPENAT.id() / 64] & (1L << (OPENAT.id() % 64))).isNotZero();
        bits[0] = 0;
        assertThat(state.enabled(Point.CLONE)).as("enabledBits returns a copy").isTrue();

        state.publish(List.of());
        assertThat(state.enabled(OPENAT)).isFalse();
        assertThat(state.enabled(Point.CLONE)).isFalse();
    }

    @Test
    void fieldSetIsTheUnionOfTheSessionsFields() {
        state.publish(List.of(
                sub(List.of(sink("a")), new PointReq(OPENAT, TIME)),
                sub(List.of(sink("b")), new PointReq(OPENAT, CWD_AND_PATH), new PointReq(READ, TIME))));
        assertThat(state.fieldSet(OPENAT)).isEqualTo(new FieldSet(FieldMask.of(0),
                FieldMask.of(ContextField.TIME.id(), ContextField.CWD.id())));
        assertThat(state.fieldSet(READ)).isEqualTo(TIME);
        assertThat(state.fieldSet(Point.CLONE)).isEqualTo(FieldSet.EMPTY);
    }

    @Test
    void firesSessionsInOrderAndSinksInOrderEachWithItsFields() {
        RecordingSink a1 = sink("a1");
        RecordingSink a2 = sink("a2");
        RecordingSink b1 = sink("b1");
        state.publish(List.of(
                sub(List.of(a1, a2), new PointReq(OPENAT, TIME)),
                sub(List.of(b1), new PointReq(OPENAT, CWD_AND_PATH))));
        assertThat(Fire.syscall(state, OPENAT)).isZero();
        assertThat(journal).containsExactly("a1", "a2", "b1");
        assertThat(a1.received().getFirst().fields()).isEqualTo(TIME);
        Open forA = (Open) a1.received().getFirst().msg();
        assertThat(forA.getContextData().getTimeNs()).isNotZero();
        assertThat(forA.getContextData().getCwd()).isEmpty();
        assertThat(forA.getFdPath()).isEmpty();
        Open forB = (Open) b1.received().getFirst().msg();
        assertThat(b1.received().getFirst().fields()).isEqualTo(CWD_AND_PATH);
        assertThat(forB.getContextData().getTimeNs()).isZero();
        assertThat(forB.getContextData().getCwd()).isEqualTo("/home");
        assertThat(forB.getFdPath()).isEqualTo("/");
    }

    @Test
    void aMessageIsBuiltOncePerDistinctFieldSet() {
        state.publish(List.of(
                sub(List.of(sink("a")), new PointReq(OPENAT, TIME)),
                sub(List.of(sink("b")), new PointReq(OPENAT, TIME)),
                sub(List.of(sink("c")), new PointReq(OPENAT, CWD_AND_PATH))));
        int before = Fire.BUILT.get();
        Fire.syscall(state, OPENAT);
        assertThat(Fire.BUILT.get() - before).isEqualTo(2);
    }

    /**
     * A denial does not hide the point from the sinks after it, in its session or in later ones
     * (a monitor listed after the policy); the first denial's errno is the answer.
     */
    @Test
    void everySinkReceivesADeniedPointAndTheFirstDenialsErrnoIsReturned() {
        RecordingSink a1 = sink("a1");
        RecordingSink a2 = sink("a2").denyWith(13);
        RecordingSink a3 = sink("a3").denyWith(1);
        RecordingSink b1 = sink("b1");
        RecordingSink b2 = sink("b2").denyWith(2);
        state.publish(List.of(
                sub(List.of(a1, a2, a3), new PointReq(OPENAT, TIME)),
                sub(List.of(b1, b2), new PointReq(OPENAT, TIME))));
        assertThat(Fire.syscall(state, OPENAT)).isEqualTo(13);
        assertThat(journal).containsExactly("a1", "a2", "a3", "b1", "b2");
    }

    @Test
    void aKillOutranksADenialWhereverEitherComes() {
        assertThat(PointState.verdict(0, 0)).isZero();
        assertThat(PointState.verdict(0, 13)).isEqualTo(13);
        assertThat(PointState.verdict(13, 1)).isEqualTo(13);
        assertThat(PointState.verdict(13, PointState.KILL)).isEqualTo(PointState.KILL);
        assertThat(PointState.verdict(PointState.KILL, 13)).isEqualTo(PointState.KILL);
        assertThat(PointState.verdict(PointState.KILL, 0)).isEqualTo(PointState.KILL);
    }

    @Test
    void aKillingDenialReturnsKillAndTheSinksAfterItStillReceiveThePoint() {
        RecordingSink a = sink("a");
        Sink killer = new Sink() {
            @Override
            public String name() {
                return "killer";
            }

            @Override
            public void syscall(Point point, FieldSet fields, MessageType type, Message msg)
                    throws SecurityCheckException {
                journal.add("killer");
                throw SecurityCheckException.killing("no shells");
            }
        };
        RecordingSink after = sink("after").denyWith(13);
        RecordingSink monitor = sink("monitor");
        state.publish(List.of(sub(List.of(a, killer, after), new PointReq(OPENAT, TIME)),
                sub(List.of(monitor), new PointReq(OPENAT, TIME))));
        assertThat(Fire.syscall(state, OPENAT)).isEqualTo(PointState.KILL);
        assertThat(journal).containsExactly("a", "killer", "after", "monitor");
    }

    @Test
    void aDenialInALaterSessionStillComesAfterTheEarlierSessions() {
        RecordingSink a = sink("a");
        RecordingSink b = sink("b").denyWith(1);
        state.publish(List.of(sub(List.of(a), new PointReq(OPENAT, TIME)), sub(List.of(b), new PointReq(OPENAT, TIME))));
        assertThat(Fire.syscall(state, OPENAT)).isEqualTo(1);
        assertThat(journal).containsExactly("a", "b");
    }

    /**
     * Fail closed: a sink that breaks on a point (a bug a value the program chose may reach) fails
     * the operation with EPERM, as a denial does, and is logged. Before, the operation went on, so
     * a program that could make a policy throw walked around it.
     */
    @Test
    void aSinkThatThrowsAnUncheckedExceptionFailsTheOperation() {
        RecordingSink broken = sink("broken").failing();
        RecordingSink after = sink("after");
        state.publish(List.of(sub(List.of(broken, after), new PointReq(OPENAT, TIME))));
        assertThat(Fire.syscall(state, OPENAT)).isEqualTo(Errno.EPERM);
        assertThat(journal).as("as after a denial, later sinks still receive the point").containsExactly("broken", "after");
        assertThat(logged).singleElement().satisfies(r -> {
            assertThat(r.getMessage()).isEqualTo("sink broken failed on syscall/openat/enter; the operation fails with EPERM");
            assertThat(r.getThrown()).hasMessage("sink broken is broken");
        });
    }

    @Test
    void onlyThePointsKindReachesTheSink() {
        RecordingSink a = sink("a");
        state.publish(List.of(sub(List.of(a), new PointReq(Point.CLONE, TIME), new PointReq(RAW_GETPID, TIME))));
        assertThat(Fire.clone(state)).isZero();
        assertThat(Fire.syscall(state, OPENAT)).isZero();
        assertThat(a.points()).containsExactly("sentry/clone");
    }

    @Test
    void aClosedGateReceivesNothing() {
        Gate gate = new Gate();
        RecordingSink a = sink("a");
        RecordingSink b = sink("b");
        state.publish(List.of(sub(gate, List.of(a), new PointReq(OPENAT, TIME)), sub(List.of(b), new PointReq(OPENAT, TIME))));
        gate.close();
        assertThat(gate.isClosed()).isTrue();
        assertThat(Fire.syscall(state, OPENAT)).isZero();
        assertThat(a.received()).isEmpty();
        assertThat(b.received()).hasSize(1);
    }

    @Test
    void listenersAreToldExactlyWhenSyscallEnablementChanges() {
        AtomicInteger calls = new AtomicInteger();
        List<Boolean> seenOpenat = new ArrayList<>();
        SyscallPointsListener listener = s -> {
            calls.incrementAndGet();
            seenOpenat.add(s.syscallEnabled(SyscallType.ENTER, 257));
        };
        state.addListener(listener);
        RecordingSink a = sink("a");

        state.publish(List.of(sub(List.of(a), new PointReq(Point.CLONE, TIME))));
        assertThat(calls).as("non-syscall points do not concern listeners").hasValue(0);

        state.publish(List.of(sub(List.of(a), new PointReq(Point.CLONE, TIME), new PointReq(OPENAT, TIME))));
        assertThat(calls).hasValue(1);
        assertThat(seenOpenat).as("the change is visible when the listener runs").containsExactly(true);

        state.publish(List.of(sub(List.of(a), new PointReq(OPENAT, CWD_AND_PATH))));
        assertThat(calls).as("same syscall points, other fields and no clone: no call").hasValue(1);

        state.publish(List.of(sub(List.of(a), new PointReq(OPENAT, TIME)), sub(List.of(sink("b")), new PointReq(OPENAT, TIME))));
        assertThat(calls).as("a second session on the same point changes nothing").hasValue(1);

        state.publish(List.of(sub(List.of(a), new PointReq(RAW_GETPID, TIME))));
        assertThat(calls).hasValue(2);

        state.publish(List.of());
        assertThat(calls).hasValue(3);
        assertThat(seenOpenat).containsExactly(true, false, false);

        state.removeListener(listener);
        state.publish(List.of(sub(List.of(a), new PointReq(OPENAT, TIME))));
        assertThat(calls).hasValue(3);
    }

    @Test
    void aFailingListenerDoesNotUndoThePublicationOrSilenceOthers() {
        AtomicInteger second = new AtomicInteger();
        state.addListener(s -> {
            throw new IllegalStateException("cannot rebuild the filter");
        });
        state.addListener(s -> second.incrementAndGet());
        RecordingSink a = sink("a");
        state.publish(List.of(sub(List.of(a), new PointReq(OPENAT, TIME))));
        assertThat(second).hasValue(1);
        assertThat(logged).singleElement().satisfies(r -> {
            assertThat(r.getMessage()).isEqualTo("syscall points listener failed");
            assertThat(r.getThrown()).hasMessage("cannot rebuild the filter");
        });
        assertThat(state.enabled(OPENAT)).isTrue();
        assertThat(Fire.syscall(state, OPENAT)).isZero();
        assertThat(a.received()).hasSize(1);
    }

    /** A sink asked about a link or rename: it decides at openat (or nowhere), refuses names under {@code /secret}, counts its questions. */
    private static final class Guarding implements Sink {
        final AtomicInteger asked = new AtomicInteger();
        final boolean broken;
        final boolean deciding;

        Guarding(boolean broken, boolean deciding) {
            this.broken = broken;
            this.deciding = deciding;
        }

        @Override
        public String name() {
            return "guarding";
        }

        @Override
        public boolean decides(Point point) {
            return deciding && point.equals(OPENAT);
        }

        @Override
        public boolean refuses(NameChange r) {
            asked.incrementAndGet();
            if (broken) {
                throw new IllegalStateException("broken sink");
            }
            return r.from().startsWith("/secret/");
        }
    }

    @Test
    void aRenamingIsShownOnceToEachSinkDecidingAtAnOpenPointAndAFailingSinkRefusesIt() {
        Guarding guarding = new Guarding(false, true);
        Guarding onlyReading = new Guarding(false, false);
        PointReq openat = new PointReq(OPENAT, TIME);
        state.publish(List.of(sub(List.of(guarding, onlyReading), openat, new PointReq(READ, TIME)),
                sub(List.of(guarding), openat)));
        List<Point> opens = List.of(OPENAT, READ);

        assertThat(state.refuses(opens, NameChange.moved("rename", 1, 1, "mv", "/secret/a", "/b", null, false, false))).isTrue();
        assertThat(state.refuses(opens, NameChange.moved("rename", 1, 1, "mv", "/c", "/d", null, false, false))).isFalse();
        assertThat(guarding.asked).hasValue(2);
        assertThat(onlyReading.asked).hasValue(0);

        state.publish(List.of(sub(List.of(new Guarding(true, true)), openat)));
        assertThat(state.refuses(opens, NameChange.moved("rename", 1, 1, "mv", "/c", "/d", null, false, false))).isTrue();
        assertThat(logged).anyMatch(r -> r.getMessage().contains("sink guarding failed on rename of /c"));
    }
}

package dev.seccheck.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkContext;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkException;
import dev.seccheck.sink.SinkRegistry;
import dev.seccheck.sink.SinkSetup;
import dev.seccheck.sink.SinkStatus;
import dev.seccheck.state.PointState;
import dev.seccheck.testing.Fire;
import dev.seccheck.testing.RecordingSink;
import dev.seccheck.testing.TestSinks;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SessionManagerTest {

    private static final Point OPENAT = point("syscall/openat/enter");
    private static final Point READ = point("syscall/read/enter");

    private final TestSinks kind = new TestSinks("rec");
    private final TestSinks other = new TestSinks("other");
    private final SessionConfigParser parser =
            new SessionConfigParser(Catalog.standard(), new SinkRegistry(List.of(kind, other)));
    private final PointState state = new PointState();
    private final List<String> warnings = new ArrayList<>();
    private final SessionManager manager = new SessionManager(state, warnings::add);

    private static Point point(String name) {
        return Catalog.standard().byName(name).orElseThrow().point();
    }

    private SessionInfo create(String json, boolean force) throws SessionException {
        return manager.create(parser.parse(json), force);
    }

    private SessionInfo create(String json) throws SessionException {
        return create(json, false);
    }

    /** Session {@code name} enabling openat/enter with {@code context} fields and sentry/clone, one rec sink. */
    private static String session(String name, String label, String... points) {
        return "{\"name\": \"" + name + "\", \"points\": [" + String.join(", ", points) + "],"
                + " \"sinks\": [{\"name\": \"rec\", \"config\": {\"label\": \"" + label + "\"}}]}";
    }

    private static String pt(String name, String... context) {
        return "{\"name\": \"" + name + "\", \"context_fields\": [" + String.join(", ",
                java.util.Arrays.stream(context).map(c -> "\"" + c + "\"").toList()) + "]}";
    }

    private RecordingSink sinkLabelled(String label) {
        return kind.made().stream().filter(s -> s.name().equals(label)).reduce((a, b) -> b).orElseThrow();
    }

    @Test
    void createEnablesTheSessionsPointsAndListsIt() throws Exception {
        SessionInfo info = create(session("s1", "a", pt("syscall/openat/enter", "time"), pt("sentry/clone")));
        assertThat(info).isEqualTo(new SessionInfo("s1", 2, List.of(new SessionInfo.SinkInfo("a", SinkStatus.NONE))));
        assertThat(state.enabled(OPENAT)).isTrue();
        assertThat(state.enabled(Point.CLONE)).isTrue();
        assertThat(state.enabled(READ)).isFalse();
        assertThat(manager.list()).containsExactly(info);
        assertThat(manager.config("s1")).map(SessionConfig::name).contains("s1");
        assertThat(manager.config("s2")).isEmpty();
        assertThat(manager.state()).isSameAs(state);
        assertThat(Fire.syscall(state, OPENAT)).isZero();
        assertThat(sinkLabelled("a").points()).containsExactly("syscall/openat/enter");
    }

    @Test
    void severalSessionsUnionTheirPointsAndEachGetsOnlyItsOwnWithItsFields() throws Exception {
        create(session("A", "a", pt("syscall/openat/enter", "time"), pt("sentry/clone")));
        create(session("B", "b", pt("syscall/openat/enter", "cwd"), pt("syscall/read/enter", "thread_id")));
        assertThat(state.enabled(OPENAT)).isTrue();
        assertThat(state.enabled(READ)).isTrue();
        assertThat(state.enabled(Point.CLONE)).isTrue();
        assertThat(state.fieldSet(OPENAT)).isEqualTo(new FieldSet(FieldMask.EMPTY,
                FieldMask.of(ContextField.TIME.id(), ContextField.CWD.id())));

        Fire.syscall(state, OPENAT);
        Fire.syscall(state, READ);
        Fire.clone(state);

        RecordingSink a = sinkLabelled("a");
        RecordingSink b = sinkLabelled("b");
        assertThat(a.points()).containsExactly("syscall/openat/enter", "sentry/clone");
        assertThat(b.points()).containsExactly("syscall/openat/enter", "syscall/read/enter");
        Open toA = (Open) a.received().getFirst().msg();
        Open toB = (Open) b.received().getFirst().msg();
        assertThat(a.received().getFirst().fields().context()).isEqualTo(FieldMask.of(ContextField.TIME.id()));
        assertThat(toA.getContextData().getTimeNs()).isNotZero();
        assertThat(toA.getContextData().getCwd()).as("A did not ask for cwd").isEmpty();
        assertThat(toB.getContextData().getCwd()).isEqualTo("/home");
        assertThat(toB.getContextData().getTimeNs()).as("B did not ask for time").isZero();
        assertThat(manager.list()).extracting(SessionInfo::name).containsExactly("A", "B");
    }

    @Test
    void deletingOneSessionLeavesTheOthersIntact() throws Exception {
        create(session("A", "a", pt("syscall/openat/enter", "time"), pt("sentry/clone")));
        create(session("B", "b", pt("syscall/openat/enter", "cwd")));
        manager.delete("A");
        assertThat(manager.list()).extracting(SessionInfo::name).containsExactly("B");
        assertThat(state.enabled(Point.CLONE)).isFalse();
        assertThat(state.enabled(OPENAT)).isTrue();
        assertThat(state.fieldSet(OPENAT).context()).isEqualTo(FieldMask.of(ContextField.CWD.id()));
        assertThat(sinkLabelled("a").stops()).isEqualTo(1);
        assertThat(sinkLabelled("b").stops()).isZero();
        Fire.syscall(state, OPENAT);
        Fire.clone(state);
        assertThat(sinkLabelled("a").received()).isEmpty();
        assertThat(sinkLabelled("b").points()).containsExactly("syscall/openat/enter");
    }

    @Test
    void deleteOfAnUnknownSessionNamesTheLiveOnes() throws Exception {
        create(session("A", "a"));
        create(session("B", "b"));
        assertThatThrownBy(() -> manager.delete("C")).isInstanceOf(SessionException.class)
                .hasMessage("no session named \"C\" (sessions: A, B)");
        assertThat(manager.list()).hasSize(2);
    }

    @Test
    void deleteAllStopsEverything() throws Exception {
        create(session("A", "a", pt("sentry/clone")));
        create(session("B", "b", pt("syscall/read/enter")));
        manager.deleteAll();
        assertThat(manager.list()).isEmpty();
        assertThat(state.enabledBits()).containsOnly(0L);
        assertThat(kind.made()).allSatisfy(s -> assertThat(s.stops()).isEqualTo(1));
    }

    @Test
    void aTakenNameNeedsForce() throws Exception {
        create(session("A", "a", pt("sentry/clone")));
        assertThatThrownBy(() -> create(session("A", "a2", pt("syscall/read/enter"))))
                .isInstanceOf(SessionException.class)
                .hasMessage("session \"A\" already exists (force replaces it)");
        assertThat(kind.made()).hasSize(1);
        assertThat(kind.setupsOpened()).isEqualTo(1);
        assertThat(state.enabled(READ)).isFalse();
        assertThat(state.enabled(Point.CLONE)).isTrue();
    }

    @Test
    void forceReplacesTheSessionAndStopsTheOldSinks() throws Exception {
        create(session("A", "old", pt("sentry/clone"), pt("syscall/openat/enter", "time")));
        create(session("B", "b", pt("syscall/read/enter")));
        SessionInfo info = create(session("A", "new", pt("syscall/openat/enter", "cwd")), true);
        assertThat(info.sinks()).extracting(SessionInfo.SinkInfo::name).containsExactly("new");
        assertThat(manager.list()).extracting(SessionInfo::name).containsExactly("B", "A");
        assertThat(sinkLabelled("old").stops()).isEqualTo(1);
        assertThat(state.enabled(Point.CLONE)).isFalse();
        assertThat(state.fieldSet(OPENAT).context()).isEqualTo(FieldMask.of(ContextField.CWD.id()));
        Fire.syscall(state, OPENAT);
        assertThat(sinkLabelled("old").received()).isEmpty();
        assertThat(sinkLabelled("new").points()).containsExactly("syscall/openat/enter");
    }

    @Test
    void forceWithoutAnExistingSessionJustCreatesIt() throws Exception {
        SessionInfo info = create(session("A", "a", pt("sentry/clone")), true);
        assertThat(info.name()).isEqualTo("A");
        assertThat(manager.list()).containsExactly(info);
        assertThat(state.enabled(Point.CLONE)).isTrue();
    }

    @Test
    void forceReplacingWithTheSameSyscallPointsDoesNotDisturbTheListeners() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        state.addListener(s -> calls.incrementAndGet());
        create(session("A", "a", pt("syscall/openat/enter")));
        assertThat(calls).hasValue(1);
        create(session("A", "a2", pt("syscall/openat/enter", "time")), true);
        assertThat(calls).as("the point stayed enabled throughout").hasValue(1);
        manager.delete("A");
        assertThat(calls).hasValue(2);
    }

    private void assertNothingChanged(List<SessionInfo> before, long[] bitsBefore, int sinksBefore) throws Exception {
        assertThat(manager.list()).isEqualTo(before);
        assertThat(state.enabledBits()).isEqualTo(bitsBefore);
        assertThat(kind.made().subList(0, sinksBefore)).allSatisfy(s -> assertThat(s.stops()).isZero());
        assertThat(kind.made().subList(sinksBefore, kind.made().size()))
                .as("sinks made for the failed session are stopped")
                .allSatisfy(s -> assertThat(s.stops()).isEqualTo(1));
        assertThat(kind.setupsClosed()).as("every setup that did not become a sink is closed")
                .isEqualTo(kind.setupsOpened() - kind.made().size());
        assertThat(warnings).isEmpty();
        RecordingSink keep = sinkLabelled("keep");
        int received = keep.received().size();
        Fire.syscall(state, OPENAT);
        assertThat(keep.received()).as("the existing session still works").hasSize(received + 1);
        assertThat(state.enabled(READ)).isFalse();
    }

    private String failingSession(String name, String failAt) {
        return "{\"name\": \"" + name + "\", \"points\": [" + pt("syscall/read/enter") + "], \"sinks\": ["
                + "{\"name\": \"rec\", \"config\": {\"label\": \"x1\"}},"
                + "{\"name\": \"rec\", \"config\": {\"label\": \"x2\"}, \"ignore_setup_error\": true},"
                + "{\"name\": \"rec\", \"config\": {\"fail\": \"" + failAt + "\"}},"
                + "{\"name\": \"rec\", \"config\": {\"label\": \"x4\"}}]}";
    }

    private void creationFailsAtomically(String name, boolean force, String failAt, String message) throws Exception {
        create(session("keep", "keep", pt("syscall/openat/enter")));
        List<SessionInfo> before = manager.list();
        long[] bits = state.enabledBits();
        int sinks = kind.made().size();
        assertThatThrownBy(() -> create(failingSession(name, failAt), force))
                .isInstanceOf(SessionException.class).hasMessage(message);
        assertNothingChanged(before, bits, sinks);
    }

    @Test
    void aSinkFailingValidationLeavesEverythingAsBefore() throws Exception {
        creationFailsAtomically("new", false, "validate",
                "session \"new\", sink \"rec\": sinks[2].config.fail: validation refused");
        assertThat(kind.setupsOpened()).as("validation comes before any setup").isEqualTo(1);
    }

    @Test
    void aSinkFailingSetupLeavesEverythingAsBeforeAndClosesTheOtherSetups() throws Exception {
        creationFailsAtomically("new", false, "setup", "session \"new\", sink \"rec\": cannot reach the endpoint");
        assertThat(kind.setupsOpened()).isEqualTo(3);
        assertThat(kind.setupsClosed()).isEqualTo(2);
    }

    @Test
    void aSinkWhoseSetupThrowsABugLeavesEverythingAsBefore() throws Exception {
        creationFailsAtomically("new", false, "setup-bug", "session \"new\", sink \"rec\": setup bug");
        assertThat(kind.setupsClosed()).isEqualTo(2);
    }

    @Test
    void aSinkFailingCreationLeavesEverythingAsBeforeAndStopsTheSinksMade() throws Exception {
        creationFailsAtomically("new", false, "create", "session \"new\", sink \"rec\": creation refused");
        assertThat(kind.made()).extracting(RecordingSink::name).containsExactly("keep", "x1", "x2");
        assertThat(kind.setupsOpened()).isEqualTo(5);
        assertThat(kind.setupsClosed()).as("the failing one's and x4's").isEqualTo(2);
    }

    @Test
    void aFailedForceReplacementKeepsTheOldSession() throws Exception {
        creationFailsAtomically("keep", true, "create", "session \"keep\", sink \"rec\": creation refused");
        assertThat(sinkLabelled("keep").stops()).isZero();
    }

    @Test
    void ignoreSetupErrorSkipsTheSinkAndWarns() throws Exception {
        SessionInfo info = create("""
                {"name": "s", "points": [{"name": "syscall/openat/enter"}],
                 "sinks": [{"name": "rec", "config": {"fail": "setup"}, "ignore_setup_error": true},
                           {"name": "rec", "config": {"label": "ok"}}]}""");
        assertThat(info.sinks()).extracting(SessionInfo.SinkInfo::name).containsExactly("ok");
        assertThat(warnings).containsExactly(
                "session \"s\": sink \"rec\" skipped, its setup failed: cannot reach the endpoint");
        Fire.syscall(state, OPENAT);
        assertThat(sinkLabelled("ok").received()).hasSize(1);
    }

    @Test
    void ignoreSetupErrorDoesNotCoverValidationOrCreation() throws Exception {
        assertThatThrownBy(() -> create("""
                {"sinks": [{"name": "rec", "config": {"fail": "validate"}, "ignore_setup_error": true}]}"""))
                .hasMessage("session \"Default\", sink \"rec\": sinks[0].config.fail: validation refused");
        assertThatThrownBy(() -> create("""
                {"sinks": [{"name": "rec", "config": {"fail": "create"}, "ignore_setup_error": true}]}"""))
                .hasMessage("session \"Default\", sink \"rec\": creation refused");
        assertThat(manager.list()).isEmpty();
        assertThat(warnings).isEmpty();
    }

    @Test
    void sinksOfOneSessionAreCalledInConfigurationOrder() throws Exception {
        List<String> journal = new ArrayList<>();
        TestSinks ordered = new TestSinks("rec", journal);
        SessionManager m = new SessionManager(state, w -> {});
        m.create(new SessionConfigParser(Catalog.standard(), new SinkRegistry(List.of(ordered))).parse("""
                {"points": [{"name": "syscall/openat/enter"}],
                 "sinks": [{"name": "rec", "config": {"label": "first"}},
                           {"name": "rec", "config": {"label": "second"}},
                           {"name": "rec", "config": {"label": "third"}}]}"""), false);
        Fire.syscall(state, OPENAT);
        assertThat(journal).containsExactly("first", "second", "third");
    }

    /** Settings is what the "typed" kind validates its config into: a fresh object each time. */
    private record Settings(String label, List<PointReq> points) {}

    @Test
    void whatValidationReturnsIsWhatSetupAndCreateReceive() throws Exception {
        List<Settings> validated = new ArrayList<>();
        List<Settings> handedOn = new ArrayList<>();
        SinkDescriptor<Settings> typed = new SinkDescriptor<>() {
            @Override
            public String name() {
                return "typed";
            }

            @Override
            public Settings validate(SinkConfig config, List<PointReq> sessionPoints) throws SinkException {
                Settings s = new Settings(config.requireString("label"), sessionPoints);
                validated.add(s);
                return s;
            }

            @Override
            public SinkSetup setup(Settings settings) {
                handedOn.add(settings);
                return SinkSetup.NONE;
            }

            @Override
            public Sink create(Settings settings, SinkSetup setup) {
                handedOn.add(settings);
                return new RecordingSink(settings.label());
            }
        };
        SessionConfigParser typedParser = new SessionConfigParser(Catalog.standard(), new SinkRegistry(List.of(typed)));
        SessionInfo info = manager.create(typedParser.parse("""
                {"points": [{"name": "syscall/openat/enter"}],
                 "sinks": [{"name": "typed", "config": {"label": "t1"}}]}"""), false);

        assertThat(validated).hasSize(1);
        assertThat(validated.getFirst().points()).extracting(PointReq::point).containsExactly(OPENAT);
        // The same instance, not an equal copy: the configuration was read once.
        assertThat(handedOn).hasSize(2).allSatisfy(s -> assertThat(s).isSameAs(validated.getFirst()));
        assertThat(info.sinks()).extracting(SessionInfo.SinkInfo::name).containsExactly("t1");
    }

    /** A descriptor whose sinks remember the context their setup got and report drops only once stopped. */
    private static final class Buffering implements SinkDescriptor.Plain {
        final List<SinkContext> contexts = new ArrayList<>();

        @Override
        public String name() {
            return "buffering";
        }

        @Override
        public SinkSetup setup(SinkConfig config, SinkContext context) {
            contexts.add(context);
            return SinkSetup.NONE;
        }

        @Override
        public Sink create(SinkConfig config, SinkSetup setup) {
            return new Sink() {
                volatile boolean stopped;

                @Override
                public String name() {
                    return "buffering";
                }

                @Override
                public SinkStatus status() {
                    // Like a sink whose buffered points fail at stop: counted only then.
                    return new SinkStatus(stopped ? 3 : 0);
                }

                @Override
                public void stop() {
                    stopped = true;
                }
            };
        }
    }

    @Test
    void everySinkSetupKnowsTheRunItsSessionBelongsToSelectedOrNot() throws Exception {
        Buffering plain = new Buffering();
        Buffering selected = new Buffering();
        SinkDescriptor<SinkConfig> behindSelection = new dev.seccheck.sink.Selection(List.of(7L), List.of(), List.of())
                .wrap(selected, List.of());
        String json = """
                {"name": "%s", "points": [{"name": "syscall/openat/enter", "context_fields": ["group_id"]}],
                 "sinks": [{"name": "buffering"}]}""";
        SessionManager ofRun = new SessionManager(state, SinkContext.ofRun("run-7"), w -> {});
        ofRun.create(new SessionConfigParser(Catalog.standard(), new SinkRegistry(List.of(plain))).parse(json.formatted("a")),
                false);
        ofRun.create(new SessionConfigParser(Catalog.standard(), new SinkRegistry(List.of(behindSelection)))
                .parse(json.formatted("b")), false);
        new SessionManager(new PointState(), w -> {}).create(new SessionConfigParser(Catalog.standard(),
                new SinkRegistry(List.of(plain))).parse(json.formatted("c")), false);

        assertThat(plain.contexts).containsExactly(SinkContext.ofRun("run-7"), SinkContext.NONE);
        assertThat(selected.contexts).as("a selection in front of a sink hands the context on")
                .containsExactly(SinkContext.ofRun("run-7"));
        ofRun.deleteAll();
    }

    @Test
    void deleteAllReturnsTheCountersTheSinksHadOnceStopped() throws Exception {
        Buffering buffering = new Buffering();
        SessionManager m = new SessionManager(state, w -> {});
        m.create(new SessionConfigParser(Catalog.standard(), new SinkRegistry(List.of(buffering))).parse("""
                {"name": "s", "points": [{"name": "syscall/openat/enter"}], "sinks": [{"name": "buffering"}]}"""), false);
        assertThat(m.list().getFirst().sinks().getFirst().status().dropped()).isZero();

        List<SessionInfo> last = m.deleteAll();
        assertThat(last).extracting(SessionInfo::name).containsExactly("s");
        assertThat(last.getFirst().sinks().getFirst().status().dropped())
                .as("the points the sink failed at stop are counted").isEqualTo(3);
        assertThat(m.list()).isEmpty();
        assertThat(m.deleteAll()).isEmpty();
    }
}

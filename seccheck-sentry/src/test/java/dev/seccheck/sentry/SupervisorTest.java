package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.sentry.ExitNotifyParentInfo;
import dev.seccheck.proto.syscall.Connect;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SessionManager;
import dev.seccheck.sink.Missing;
import dev.seccheck.sink.PointSink;
import dev.seccheck.sink.NameChange;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.state.PointState;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs real programs under an in-process Supervisor with a recording sink. */
class SupervisorTest {

    private static final String PY = "/usr/bin/python3";

    /** One received point: name and message. */
    record Got(String point, Message msg) {}

    /** Verdict decides, per point and message, what the recording sink does (null: accept). */
    interface Verdict extends BiFunction<String, Message, SecurityCheckException> {}

    /** Recorder is the sink the tests read; it may deny through its verdict, and on what is missing. */
    static final class Recorder implements PointSink.MissingAware {
        final List<Got> got = new CopyOnWriteArrayList<>();
        /** Every link and rename shown to it (a queue: a moved tree can show a hundred thousand). */
        final java.util.Queue<NameChange> renamings = new java.util.concurrent.ConcurrentLinkedQueue<>();
        volatile Verdict verdict = (p, m) -> null;
        /** Whether a point with these fields missing is denied (EACCES), as a policy's on_missing would. */
        volatile java.util.function.Predicate<Missing> refusingMissing = m -> false;
        /** Whether it says it decides at every point (set before the run starts: links and renames are then emulated). */
        volatile boolean deciding;
        /** The points it says it decides at besides, when not {@link #deciding} at every one. */
        volatile java.util.function.Predicate<Point> decidingAt = p -> false;
        /** Which links and renames it refuses. */
        volatile java.util.function.Predicate<NameChange> refusing = r -> false;

        @Override
        public String name() {
            return "rec";
        }

        @Override
        public void point(Point p, FieldSet f, MessageType t, Message m, Missing missing)
                throws SecurityCheckException {
            got.add(new Got(p.name(), m));
            if (refusingMissing.test(missing)) {
                throw new SecurityCheckException(13, "missing " + missing);
            }
            SecurityCheckException e = verdict.apply(p.name(), m);
            if (e != null) {
                throw e;
            }
        }

        @Override
        public boolean decides(Point p) {
            return deciding || decidingAt.test(p);
        }

        /** Records the link or rename and refuses it if {@link #refusing} says so. */
        @Override
        public boolean refuses(NameChange r) {
            renamings.add(r);
            return refusing.test(r);
        }

        List<Message> of(String point) {
            return got.stream().filter(g -> g.point().equals(point)).map(Got::msg).toList();
        }
    }

    /** A supervised run: the sink, the supervisor and where the run started. */
    static final class Run {
        final Recorder sink = new Recorder();
        final Supervisor sup;
        final long startNs = System.currentTimeMillis() * 1_000_000L - 1_000_000_000L;
        final List<String> warnings = new CopyOnWriteArrayList<>();

        Run(String... points) throws Exception {
            PointState state = new PointState();
            SessionConfigParser parser = Supervised.parser("rec", () -> sink);
            String pts = java.util.Arrays.stream(points)
                    .map(p -> "{\"name\":\"" + p + "\",\"optional_fields\":" + optionalFields(p)
                            + ",\"context_fields\":" + contextFields(p) + "}")
                    .collect(Collectors.joining(","));
            String json = "{\"name\":\"t\",\"points\":[" + pts + "],\"sinks\":[{\"name\":\"rec\"}]}";
            new SessionManager(state, warnings::add).create(parser.parse(json), false);
            sup = new Supervisor(state, Catalog.standard(), "run-42", warnings::add);
        }

        int run(String... argv) throws Exception {
            return sup.run(List.of(argv));
        }
    }

    /** Every optional field the point offers, as a JSON array. */
    private static String optionalFields(String point) {
        return Catalog.standard().byName(point).orElseThrow().optionalFields().stream()
                .map(f -> "\"" + f.name() + "\"")
                .collect(Collectors.joining(",", "[", "]"));
    }

    /** Every context field the point offers except credentials, as a JSON array. */
    private static String contextFields(String point) {
        return Catalog.standard().byName(point).orElseThrow().contextFields().stream()
                .map(f -> "\"" + f.name() + "\"")
                .collect(Collectors.joining(",", "[", "]"));
    }

    private static final String[] LIFECYCLE = {
        "container/start", "sentry/clone", "sentry/execve", "sentry/task_exit", "sentry/exit_notify_parent"
    };

    @Test
    void exitStatusIsTheProgramsOwn() throws Exception {
        assertThat(new Run().run("/bin/true")).isZero();
        assertThat(new Run(LIFECYCLE).run("/bin/sh", "-c", "exit 3")).isEqualTo(3);
        assertThat(new Run().run("/bin/sh", "-c", "kill -KILL $$")).isEqualTo(137);
        assertThat(new Run().run("/bin/sh", "-c", "kill -SEGV $$")).isEqualTo(128 + 11);
    }

    /** Fails the waiting thread once {@code deadline} (a nanoTime) passed: no wait here spins forever. */
    private static void beforeDeadline(long deadline, String what) {
        if (System.nanoTime() - deadline > 0) {
            throw new AssertionError("timed out waiting for " + what);
        }
    }

    @Test
    void termIsForwardedToTheProgram() throws Exception {
        Run r = new Run();
        CountDownLatch started = new CountDownLatch(1);
        Thread sender = Thread.ofPlatform().start(() -> {
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (r.sup.pid().isEmpty()) {
                    beforeDeadline(deadline, "the supervisor to start the program");
                    Thread.onSpinWait();
                }
                // Wait until the workload runs sleep, i.e. exec is done.
                int pid = r.sup.pid().get();
                while (!Files.readString(Path.of("/proc/" + pid + "/comm")).startsWith("sleep")) {
                    beforeDeadline(deadline, "the program to exec sleep");
                    Thread.sleep(5);
                }
                started.countDown();
                r.sup.signal(15);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertThat(r.run("/bin/sleep", "30")).isEqualTo(143);
        assertThat(sender.join(Duration.ofSeconds(30))).as("the sender thread ended").isTrue();
        assertThat(started.getCount()).isZero();
    }

    @Test
    void aProgramIgnoringTermEndsNormally(@TempDir Path dir) throws Exception {
        Path ready = dir.resolve("ready");
        Run r = new Run();
        Thread sender = Thread.ofPlatform().start(() -> {
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!Files.exists(ready)) {
                    beforeDeadline(deadline, "the program to trap TERM");
                    Thread.sleep(5);
                }
                assertThat(r.sup.signal(15)).isTrue();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        int status = r.run("/bin/sh", "-c", "trap '' TERM; touch " + ready + "; sleep 1; exit 5");
        assertThat(sender.join(Duration.ofSeconds(30))).as("the sender thread ended").isTrue();
        assertThat(status).isEqualTo(5);
    }

    @Test
    void stdioAndCwdPassThrough(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Run w = new Run();
        assertThat(w.run("/bin/sh", "-c", "echo hello > " + out + "; pwd >> " + out)).isZero();
        assertThat(Files.readAllLines(out)).containsExactly("hello", Path.of("").toAbsolutePath().toString());
    }

    @Test
    void lifecyclePoints() throws Exception {
        String trueReal = Path.of("/bin/true").toRealPath().toString();
        Run r = new Run(LIFECYCLE);
        assertThat(r.run("/bin/sh", "-c", "/bin/true a b; exit 4")).isEqualTo(4);
        List<Message> starts = r.sink.of("container/start");
        assertThat(starts).hasSize(1);
        Start s = (Start) starts.getFirst();
        assertThat(s.getId()).isEqualTo("run-42");
        assertThat(s.getArgsList()).containsExactly("/bin/sh", "-c", "/bin/true a b; exit 4");
        assertThat(s.getCwd()).isEqualTo(Path.of("").toAbsolutePath().toString());

        List<ExecveInfo> execs = r.sink.of("sentry/execve").stream().map(ExecveInfo.class::cast).toList();
        assertThat(execs).anySatisfy(e -> {
            assertThat(e.getBinaryPath()).isEqualTo(trueReal);
            assertThat(e.getExecfn()).isEqualTo("/bin/true");
            assertThat(e.getArgvList()).containsExactly("/bin/true", "a", "b");
        });
        List<CloneInfo> clones = r.sink.of("sentry/clone").stream().map(CloneInfo.class::cast).toList();
        assertThat(clones).isNotEmpty();
        for (CloneInfo c : clones) {
            assertThat(c.getCreatedThreadId()).isPositive();
            assertThat(c.getCreatedThreadGroupId()).isEqualTo(c.getCreatedThreadId());
            assertThat(c.getContextData().getThreadGroupId()).isNotEqualTo(c.getCreatedThreadGroupId());
        }
        List<ExitNotifyParentInfo> notes =
                r.sink.of("sentry/exit_notify_parent").stream().map(ExitNotifyParentInfo.class::cast).toList();
        // The children's exits, not the shell's (exit 4): gVisor reports none for the sandbox's init.
        assertThat(notes).extracting(ExitNotifyParentInfo::getExitStatus).contains(0).doesNotContain(4 << 8);
        assertThat(r.sink.of("sentry/task_exit")).hasSizeGreaterThanOrEqualTo(2);
        for (Got g : r.sink.got) {
            checkContext(r, g);
        }
    }

    private static void checkContext(Run r, Got g) {
        ContextData c = checkContextIds(r, g);
        assertThat(c.getThreadGroupStartTimeNs()).as(g.point()).isLessThanOrEqualTo(c.getTimeNs());
        if (contextFields(g.point()).contains("\"cwd\"")) {
            assertThat(c.getCwd()).as(g.point()).isEqualTo(Path.of("").toAbsolutePath().toString());
        }
        assertThat(c.getProcessName()).as(g.point()).isNotEmpty();
    }

    @Test
    void threadsAreFollowed(@TempDir Path dir) throws Exception {
        Run r = new Run("sentry/clone", "syscall/openat/enter");
        String py = "import threading\n"
                + "def f(i):\n    open('" + dir + "/f%d' % i, 'w').close()\n"
                + "ts=[threading.Thread(target=f,args=(i,)) for i in range(4)]\n"
                + "[t.start() for t in ts]\n[t.join() for t in ts]\n";
        assertThat(r.run(PY, "-c", py)).isZero();
        List<CloneInfo> threads = r.sink.of("sentry/clone").stream()
                .map(CloneInfo.class::cast)
                .filter(c -> (c.getFlags() & 0x10000) != 0)
                .toList();
        assertThat(threads).hasSize(4);
        List<Open> opens = r.sink.of("syscall/openat/enter").stream()
                .map(Open.class::cast)
                .filter(o -> o.getPathname().startsWith(dir.toString()))
                .toList();
        assertThat(opens).hasSize(4);
        assertThat(opens.stream().map(o -> o.getContextData().getThreadId()).collect(Collectors.toSet())).hasSize(4);
        assertThat(opens.stream().map(o -> o.getContextData().getThreadGroupId()).collect(Collectors.toSet()))
                .hasSize(1);
        assertThat(opens.getFirst().getContextData().getProcessName()).startsWith("python");
        Set<Integer> created = threads.stream().map(CloneInfo::getCreatedThreadId).collect(Collectors.toSet());
        assertThat(opens.stream().map(o -> o.getContextData().getThreadId()).collect(Collectors.toSet()))
                .isEqualTo(created);
    }

    @Test
    void forkExecStorm() throws Exception {
        Run r = new Run("sentry/execve", "sentry/exit_notify_parent");
        assertThat(r.run("/bin/sh", "-c", "for i in $(seq 500); do /bin/true; done")).isZero();
        long trues = r.sink.of("sentry/execve").stream()
                .map(ExecveInfo.class::cast)
                .filter(e -> e.getExecfn().equals("/bin/true"))
                .count();
        assertThat(trues).isEqualTo(500);
        // 500 /bin/true and seq; none for the shell, the sandbox's init in gVisor's terms.
        List<ExitNotifyParentInfo> notes = r.sink.of("sentry/exit_notify_parent").stream()
                .map(ExitNotifyParentInfo.class::cast)
                .toList();
        assertThat(notes).hasSize(501);
        assertThat(notes.stream().filter(n -> n.getContextData().getProcessName().equals("true"))).hasSize(500);
        assertThat(r.sup.processes()).isEmpty();
    }

    @Test
    void aDeniedOpenFailsWithTheSinksErrno(@TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "s3cret\n");
        Path fine = Files.writeString(dir.resolve("fine"), "fine\n");
        Path out = dir.resolve("out");
        Run r = new Run("syscall/openat/enter");
        r.sink.verdict = (p, m) -> m instanceof Open o && o.getPathname().equals(secret.toString())
                ? new SecurityCheckException(13, "secret")
                : null;
        int status = r.run("/bin/sh", "-c", "cat " + fine + " > " + out + "; cat " + secret + " 2>> " + out);
        assertThat(status).isEqualTo(1);
        List<String> lines = Files.readAllLines(out);
        assertThat(lines.getFirst()).isEqualTo("fine");
        assertThat(lines.get(1)).contains("Permission denied");
        assertThat(lines).doesNotContain("s3cret");
    }

    @Test
    void aDeniedConnectFails() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = server.getLocalPort();
            Run r = new Run("syscall/connect/enter");
            r.sink.verdict = (p, m) -> m instanceof Connect c && portOf(c) == port
                    ? new SecurityCheckException(111, "no")
                    : null;
            String py = "import socket,sys\ns=socket.socket()\n"
                    + "try:\n    s.connect(('127.0.0.1'," + port + "))\nexcept ConnectionRefusedError:\n    sys.exit(9)\n";
            assertThat(r.run(PY, "-c", py)).isEqualTo(9);
            assertThat(r.sink.of("syscall/connect/enter")).hasSize(1);
        }
    }

    private static int portOf(Connect c) {
        byte[] a = c.getAddress().toByteArray();
        return a.length >= 4 ? ByteBuffer.wrap(a, 2, 2).getShort() & 0xffff : -1;
    }

    @Test
    void aKillVerdictKillsTheProcess(@TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "x\n");
        Run r = new Run("syscall/openat/enter");
        r.sink.verdict = (p, m) -> m instanceof Open o && o.getPathname().equals(secret.toString())
                ? SecurityCheckException.killing("secret")
                : null;
        assertThat(r.run("/bin/cat", secret.toString())).isEqualTo(137);
    }

    @Test
    void everyPointWithEveryFieldOnTheEverySyscallWorkload(@TempDir Path dir) throws Exception {
        String[] all = Catalog.standard().points().stream().map(d -> d.name()).toArray(String[]::new);
        Run r = new Run(all);
        Path prog = dev.seccheck.sentry.testing.CWorkloads.everySyscall();
        int status = r.run("/bin/sh", "-c", prog + " " + dir + " && /bin/true");
        assertThat(status).as(String.join("\n", r.warnings)).isZero();
        for (String p : LIFECYCLE) {
            assertThat(r.sink.of(p)).as(p).isNotEmpty();
        }
        assertThat(r.sink.of("container/start")).hasSize(1);
        assertThat(r.sink.got.stream().map(Got::point).filter(p -> p.startsWith("syscall/")).distinct().count())
                .isGreaterThan(54);
        for (Got g : r.sink.got) {
            checkContextIds(r, g);
        }
        assertThat(r.sup.processes()).isEmpty();
    }

    /** Checks the run's id, time and thread ids that every point's context carries; returns the context. */
    private static ContextData checkContextIds(Run r, Got g) {
        ContextData c = (ContextData) g.msg().getField(g.msg().getDescriptorForType().findFieldByName("context_data"));
        assertThat(c.getContainerId()).as(g.point()).isEqualTo("run-42");
        assertThat(c.getTimeNs()).as(g.point()).isGreaterThan(r.startNs);
        assertThat(c.getThreadId()).as(g.point()).isPositive();
        assertThat(c.getThreadGroupId()).as(g.point()).isPositive();
        assertThat(c.getThreadStartTimeNs()).as(g.point()).isLessThanOrEqualTo(c.getTimeNs());
        return c;
    }

    @Test
    void missingProgramIsAClearError() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Run().run("/nonexistent"))
                .isInstanceOf(SentryException.class)
                .hasMessage("/nonexistent: no such file");
    }
}

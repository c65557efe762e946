package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import dev.seccheck.abi.Sysno;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.SyscallType;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.sentry.testing.CWorkloads;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SessionManager;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sink.Sink;
import dev.seccheck.state.PointState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session created at runtime reaches running tasks through a filter layer each task is made to
 * install with an injected seccomp(2) call, and that call passes through the program's own
 * filters. A program whose filter answers seccomp(2) with 0 without running it made the
 * injection seem to succeed: the create reported success and the session's syscalls ran
 * unchecked. Now the task's filter count tells whether a layer was installed, and a create such a
 * task cannot take fails naming it, changing nothing.
 */
class FakedLayerTest {

    /** Denies every chdir it sees, with EPERM; lets anything else through. */
    private static final class DenyChdir implements Sink {
        @Override
        public String name() {
            return "deny";
        }

        @Override
        public void syscall(Point p, FieldSet f, MessageType t, Message m) throws SecurityCheckException {
            if (p.name().startsWith("syscall/chdir/")) {
                throw new SecurityCheckException(1, "chdir denied");
            }
        }
    }

    private static final String BASE = "{\"name\":\"base\",\"points\":[{\"name\":\"sentry/clone\"}],"
            + "\"sinks\":[{\"name\":\"deny\"}]}";
    private static final String DENY_CHDIR = "{\"name\":\"no-chdir\",\"points\":[{\"name\":\"syscall/chdir/enter\"}],"
            + "\"sinks\":[{\"name\":\"deny\"}]}";

    @Test
    void aTaskWithAnHonestFilterOfItsOwnTakesTheLayer(@TempDir Path dir) throws Exception {
        createDenies(dir, "honest");
    }

    /** Its filter installed on every thread (TSYNC), a call the tracer holds: it runs, and the layer reaches both threads. */
    @Test
    void aFilterInstalledOnEveryThreadStillLetsTheLayerIn(@TempDir Path dir) throws Exception {
        createDenies(dir, "tsync");
    }

    /**
     * A session enabled at start with getpid's enter point alone has the notifier hold getpid for
     * the whole run, which outranks a layer's trace: the probe is made of another call. Before,
     * every later create failed in such a run.
     */
    @Test
    void aRunWhoseNotifierHoldsGetpidStillTakesLayers(@TempDir Path dir) throws Exception {
        createDenies(dir, "honest", "{\"name\":\"base\",\"points\":[{\"name\":\"sentry/clone\"},"
                + "{\"name\":\"syscall/sysno/39/enter\"}],\"sinks\":[{\"name\":\"deny\"}]}");
    }

    private static void createDenies(Path dir, String mode) throws Exception {
        createDenies(dir, mode, BASE);
    }

    private static void createDenies(Path dir, String mode, String base) throws Exception {
        try (Run run = Run.start(dir, "fake_seccomp", List.of(mode), base)) {
            run.sessions.create(run.parser.parse(DENY_CHDIR), false);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(dir.resolve("refused"))) {
                assertThat(System.nanoTime()).as("the session denied the workload's chdir").isLessThan(deadline);
                Thread.sleep(10);
            }
        }
    }

    @Test
    void aTaskWhoseFilterFakesTheInstallFailsTheCreateAndChangesNothing(@TempDir Path dir) throws Exception {
        createFails(dir, "fake", "did not stop in the tracer");
    }

    @Test
    void aFilterPosingAsTheLayerDoesNotPassForIt(@TempDir Path dir) throws Exception {
        createFails(dir, "mimic", "stopped with another filter's data");
    }

    private static void createFails(Path dir, String mode, String why) throws Exception {
        try (Run run = Run.start(dir, "fake_seccomp", List.of(mode), BASE)) {
            int pid = run.sup.pid().orElseThrow();
            assertThatThrownBy(() -> run.sessions.create(run.parser.parse(DENY_CHDIR), false))
                    .hasMessageContaining("task " + pid)
                    .hasMessageContaining("installed no filter")
                    .hasMessageContaining(why);
            assertThat(run.sessions.list()).extracting(s -> s.name()).containsExactly("base");
            assertThat(run.state.syscallEnabled(SyscallType.ENTER, Sysno.CHDIR)).isFalse();
            Thread.sleep(100);
            assertThat(dir.resolve("refused")).as("a chdir denied by a session that was not created").doesNotExist();
        }
    }

    /** A C workload (given DIR, then {@code args}) under a supervisor whose only session is {@code base}, ready. */
    private record Run(Path dir, SessionConfigParser parser, PointState state, SessionManager sessions, Supervisor sup,
            Supervised.Background background) implements AutoCloseable {

        static Run start(Path dir, String workload, List<String> args, String base) throws Exception {
            SessionConfigParser parser = Supervised.parser("deny", DenyChdir::new);
            PointState state = new PointState();
            SessionManager sessions = new SessionManager(state, w -> {});
            sessions.create(parser.parse(base), false);
            Supervisor sup = new Supervisor(state, Catalog.standard(), "faked-layer", w -> {});
            List<String> argv = new java.util.ArrayList<>(List.of(CWorkloads.binary(workload).toString(), dir.toString()));
            argv.addAll(args);
            Supervised.Background bg = Supervised.Background.start(sup, argv);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(dir.resolve("ready"))) {
                assertThat(System.nanoTime()).as("the workload installed its filter").isLessThan(deadline);
                Thread.sleep(10);
            }
            return new Run(dir, parser, state, sessions, sup, bg);
        }

        @Override
        public void close() throws java.io.IOException {
            Files.createFile(dir.resolve("stop"));
            try {
                background.finish(30);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while the workload ended");
            }
            assertThat(background.status()).as("the workload's end").isCompletedWithValue(0);
        }
    }
}

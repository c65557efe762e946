package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.proto.sentry.ExitNotifyParentInfo;
import dev.seccheck.proto.sentry.TaskExit;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SessionManager;
import dev.seccheck.sink.Sink;
import dev.seccheck.state.PointState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session with sentry/task_exit created while the run goes must see every task exit, those that
 * existed before the create included, with their names: both it and sentry/exit_notify_parent fire
 * at the reap, when /proc has no name left to read, so names are read at every exec, whatever the
 * points then. (No thread waits at its exit for seccheck: ptrace's exit event is never asked for,
 * see StuckReads.) A sleep executed while the session was being created ended with no name when
 * names were read at exec only while some point was enabled.
 */
class RuntimeExitEventsTest {

    /** Keeps every sentry/task_exit and sentry/exit_notify_parent message. */
    static final class Exits implements Sink {
        final List<TaskExit> seen = new CopyOnWriteArrayList<>();
        final List<ExitNotifyParentInfo> reaped = new CopyOnWriteArrayList<>();

        @Override
        public void taskExit(FieldSet fields, TaskExit msg) {
            seen.add(msg);
        }

        @Override
        public void exitNotifyParent(FieldSet fields, ExitNotifyParentInfo msg) {
            reaped.add(msg);
        }

        @Override
        public String name() {
            return "exits";
        }
    }

    @Test
    void taskExitCreatedAtRuntimeSeesTasksThatExistedBeforeWithTheirNames(@TempDir Path dir) throws Exception {
        Exits exits = new Exits();
        SessionConfigParser parser = Supervised.parser("exits", () -> exits);
        PointState state = new PointState();
        SessionManager sessions = new SessionManager(state, w -> {});
        List<String> warnings = new CopyOnWriteArrayList<>();
        Supervisor sup = new Supervisor(state, Catalog.standard(), "exits", warnings::add);
        // No session at start: the run has no exit events and reads no name.
        Path ready = dir.resolve("ready");
        Path go = dir.resolve("go");
        // The looping shell is a child of the run's program: gVisor (and seccheck) send no
        // exit_notify_parent for the program itself, the sandbox's init.
        String script = "sh -c 'echo $$ > " + ready + "; while [ ! -e " + go + " ]; do sleep 0.05; done; exit 3' & "
                + "wait $!; exit $?";
        Supervised.Background run = Supervised.Background.start(sup, List.of("/bin/sh", "-c", script));
        int root;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(ready) || Files.readString(ready).isBlank()) {
                assertThat(System.nanoTime()).as("the workload started").isLessThan(deadline);
                Thread.sleep(10);
            }
            root = Integer.parseInt(Files.readString(ready).strip());
            sessions.create(parser.parse("{\"name\":\"exits\",\"points\":[{\"name\":\"sentry/task_exit\","
                    + "\"context_fields\":[\"thread_id\",\"process_name\"]},{\"name\":\"sentry/exit_notify_parent\","
                    + "\"context_fields\":[\"thread_id\",\"process_name\"]}],\"sinks\":[{\"name\":\"exits\"}]}"), false);
            Files.createFile(go);
        } finally {
            run.finish(60);
        }
        assertThat(run.status()).as("the workload's end").isCompletedWithValue(3);
        // The shell existed before the create: its exit is seen, with its name, as the exit of its loop's sleeps.
        assertThat(exits.seen).as("task exits").anySatisfy(m -> {
            assertThat(m.getContextData().getThreadId()).isEqualTo(root);
            assertThat(m.getContextData().getProcessName()).isEqualTo("sh");
            assertThat(m.getExitStatus()).isEqualTo(3 << 8);
        });
        assertThat(exits.seen).as("task exits of sleeps").anySatisfy(m ->
                assertThat(m.getContextData().getProcessName()).isEqualTo("sleep"));
        // Reported after the reap, when /proc has no name left to read: read when the session was created.
        assertThat(exits.reaped).as("the shell's exit notification").anySatisfy(m -> {
            assertThat(m.getContextData().getThreadId()).isEqualTo(root);
            assertThat(m.getContextData().getProcessName()).isEqualTo("sh");
        });
        assertThat(warnings).as("supervisor warnings").isEmpty();
    }
}

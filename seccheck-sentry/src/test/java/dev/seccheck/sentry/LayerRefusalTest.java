package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.SyscallType;
import dev.seccheck.sentry.testing.CWorkloads;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SessionManager;
import dev.seccheck.abi.Sysno;
import dev.seccheck.state.PointState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session created at runtime that a task cannot take (here: the task unmapped its vDSO, so no
 * syscall instruction is left to inject through) is not created: the create fails naming the
 * task and why, and the points stay as they were. Before, the create reported success and the
 * task ran unchecked, with only a line on the run's stderr.
 */
class LayerRefusalTest {

    @Test
    void aTaskThatCannotTakeTheLayerFailsTheCreateAndChangesNothing(@TempDir Path dir) throws Exception {
        Path workload = CWorkloads.binary("no_vdso");
        Files.createFile(dir.resolve("probe"));
        SessionConfigParser parser = Supervised.parser("none", () -> () -> "none");
        PointState state = new PointState();
        SessionManager sessions = new SessionManager(state, w -> {});
        sessions.create(parser.parse("{\"name\":\"base\",\"points\":[{\"name\":\"sentry/clone\"}],"
                + "\"sinks\":[{\"name\":\"none\"}]}"), false);
        Supervisor sup = new Supervisor(state, Catalog.standard(), "refusal", w -> {});
        Supervised.Background run = Supervised.Background.start(sup, List.of(workload.toString(), dir.toString()));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(dir.resolve("ready"))) {
                assertThat(System.nanoTime()).as("the workload unmapped its vDSO").isLessThan(deadline);
                Thread.sleep(10);
            }
            int pid = sup.pid().orElseThrow();
            assertThatThrownBy(() -> sessions.create(parser.parse("{\"name\":\"deny\",\"points\":["
                    + "{\"name\":\"syscall/openat/enter\"}],\"sinks\":[{\"name\":\"none\"}]}"), false))
                    .hasMessageContaining("task " + pid)
                    .hasMessageContaining("no vDSO");
            assertThat(sessions.list()).extracting(s -> s.name()).containsExactly("base");
            assertThat(state.syscallEnabled(SyscallType.ENTER, Sysno.OPENAT)).isFalse();
            assertThat(state.enabled(Point.CLONE)).isTrue();
        } finally {
            Files.createFile(dir.resolve("stop"));
            run.finish(30);
        }
        assertThat(run.status()).isCompletedWithValue(0);
    }
}

package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.points.Catalog;
import dev.seccheck.state.PointState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A launched command is held before its execve by a FIFO in a directory of the user's own
 * ({@code dev.seccheck.linux.Spawn}); the workload of a run, a process of the same user, can find
 * and open it and so let the command run on before the tracer has given it its filter. That must
 * never make the command run unsupervised: the spawner's exec trap fails an execve no one traces,
 * and the tracer kills a command that reaches its execve before its filter is in place. Here the
 * workload opens every hold FIFO it finds, in a loop, while commands are exec'd into the run; each
 * command tries to signal seccheck ({@code kill -0}), which its guard refuses, and writes a mark
 * when that succeeds: a command that exits 0 or leaves a mark ran without its filter (before the
 * exec trap, a command released early ran unfiltered until the tracer, failing to attach, killed it).
 */
class LaunchHoldTest {

    private static final int EXECS = 60;
    /** How this JVM's hold directories are named ({@code dev.seccheck.linux.Spawn}). */
    private static final String MINE = "seccheck-hold-" + ProcessHandle.current().pid() + "-";

    @Test
    void aHoldOpenedByTheWorkloadNeverLetsACommandRunUnfiltered(@TempDir Path tmp) throws Exception {
        Path mark = tmp.resolve("unfiltered");
        // This JVM's holds only: another test JVM (a second fork) launches meanwhile.
        String holds = System.getProperty("java.io.tmpdir") + "/" + MINE + "*/fifo";
        // true, not exec: a failed redirection of a special builtin would end the shell.
        String opener = "while :; do for f in " + holds + "; do [ -p \"$f\" ] && true 2>/dev/null 3<>\"$f\"; done; done";
        Supervisor sup = new Supervisor(new PointState(), Catalog.standard(), "hold", line -> {});
        Supervised.Background bg = Supervised.Background.start(sup, List.of("/bin/sh", "-c", opener));
        List<String> outcomes = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (sup.pid().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(sup.pid()).as("the opener started").isPresent();
            String self = Long.toString(ProcessHandle.current().pid());
            for (int i = 0; i < EXECS; i++) {
                try {
                    int status = sup.exec(List.of("/bin/sh", "-c", "kill -0 " + self + " 2>/dev/null && echo " + i
                            + " >> " + mark),
                            List.of("PATH=/usr/bin:/bin"), "/", new int[] {0, 1, 2}, pid -> { }).exitCode();
                    outcomes.add("exit " + status);
                } catch (SentryException e) {
                    outcomes.add("not started: " + e.getMessage());
                }
            }
        } finally {
            sup.signal(9);
            bg.finish(30);
            removeFilesTheOpenerMade();
        }
        System.out.println("execs while the workload opened their holds: " + outcomes);
        assertThat(outcomes).hasSize(EXECS).doesNotContain("exit 0")
                .noneMatch(o -> o.contains("no process left")); // the opener ran throughout
        assertThat(mark).as("commands that signalled seccheck").doesNotExist();
    }

    /**
     * The opener's {@code 3<>} creates a regular file when a hold it found is removed meanwhile,
     * and the launch then cannot remove its directory: those are the opener's, removed here.
     */
    private static void removeFilesTheOpenerMade() throws java.io.IOException {
        try (var dirs = java.nio.file.Files.newDirectoryStream(Path.of(System.getProperty("java.io.tmpdir")), MINE + "*")) {
            for (Path d : dirs) {
                Path f = d.resolve("fifo");
                if (java.nio.file.Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    java.nio.file.Files.delete(f);
                    java.nio.file.Files.deleteIfExists(d);
                }
            }
        }
    }
}

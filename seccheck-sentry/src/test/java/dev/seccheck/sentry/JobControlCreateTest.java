package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Signal;
import dev.seccheck.linux.Signals;
import dev.seccheck.points.Catalog;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SessionManager;
import dev.seccheck.state.PointState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions created while some or all of the workload is stopped by job control (SIGSTOP,
 * Ctrl-Z). The tracer is woken through a SIGURG to a tracee, and a thread left in its group
 * stop takes no signal until continued: before, such a create failed after 4 s ("the tracer did
 * not take up the new filter layer"). Now the bell goes to a thread that runs, and when none
 * runs the create succeeds at once, the layer being installed at the stop that continues them.
 */
class JobControlCreateTest {

    @TempDir
    Path dir;

    private final SupervisorTest.Recorder base = new SupervisorTest.Recorder();
    private final SupervisorTest.Recorder added = new SupervisorTest.Recorder();
    private final PointState state = new PointState();
    private SessionConfigParser parser;
    private SessionManager sessions;

    @Test
    void aWorkloadStoppedWholeTakesTheLayerWhenContinued() throws Exception {
        Run run = start("touch " + dir.resolve("ready") + "; kill -STOP $$; cd " + dir + "; touch " + dir.resolve("after"));
        awaitFile("ready");
        awaitGroupStop(run.pid());
        long t0 = System.nanoTime();
        createChdirSession();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("ms to create")
                .isLessThan(4000);
        Signals.kill(run.pid(), Signal.SIGCONT);
        assertThat(run.status()).isZero();
        assertThat(added.of("syscall/chdir/enter")).as("the continued shell's cd, seen by the new session").hasSize(1);
    }

    @Test
    void aStoppedChildDoesNotKeepTheBellFromTheRunningShell() throws Exception {
        Run run = start("sleep 60 & echo $! > " + dir.resolve("child") + "; kill -STOP $!; touch " + dir.resolve("ready")
                + "; wait; cd " + dir);
        awaitFile("ready");
        int child = Integer.parseInt(Files.readString(dir.resolve("child")).trim());
        awaitGroupStop(child);
        createChdirSession();
        Signals.kill(child, Signal.SIGKILL);
        assertThat(run.status()).isZero();
        assertThat(added.of("syscall/chdir/enter")).hasSize(1);
    }

    private record Run(int pid, Supervised.Background background) {
        int status() throws Exception {
            return background.await(30, "the workload");
        }
    }

    private Run start(String script) throws Exception {
        // The first session made gets the base recorder, the one created at runtime the other.
        Iterator<SupervisorTest.Recorder> sinks = List.of(base, added).iterator();
        parser = Supervised.parser("rec", sinks::next);
        sessions = new SessionManager(state, w -> {});
        sessions.create(parser.parse("{\"name\":\"base\",\"points\":[{\"name\":\"sentry/clone\"}],"
                + "\"sinks\":[{\"name\":\"rec\"}]}"), false);
        Supervisor sup = new Supervisor(state, Catalog.standard(), "jobs", w -> {});
        Supervised.Background background = Supervised.Background.start(sup, List.of("/bin/sh", "-c", script));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (sup.pid().isEmpty()) {
            assertThat(System.nanoTime()).as("the workload started").isLessThan(deadline);
            Thread.sleep(10);
        }
        return new Run(sup.pid().orElseThrow(), background);
    }

    private void createChdirSession() throws Exception {
        sessions.create(parser.parse("{\"name\":\"added\",\"points\":[{\"name\":\"syscall/chdir/enter\"}],"
                + "\"sinks\":[{\"name\":\"rec\"}]}"), false);
    }

    private void awaitFile(String name) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(dir.resolve(name))) {
            assertThat(System.nanoTime()).as("%s appears", name).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    /** Waits until the process is stopped ("t" under a tracer) and its tracer has had time to leave it there. */
    private static void awaitGroupStop(int pid) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char st = stat.charAt(stat.lastIndexOf(')') + 2);
            if (st == 't' || st == 'T') {
                break;
            }
            assertThat(System.nanoTime()).as("process %d stops", pid).isLessThan(deadline);
            Thread.sleep(10);
        }
        Thread.sleep(300);
    }
}

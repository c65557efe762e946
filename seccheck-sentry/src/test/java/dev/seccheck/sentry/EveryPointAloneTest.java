package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Signals;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.PointDesc;
import dev.seccheck.sentry.testing.CWorkloads;
import dev.seccheck.state.PointState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Any point is usable alone (issue 11): with each point of the catalog as a session's only point,
 * a multithreaded C program that then runs {@code /bin/true} (fork, exec, wait) runs to completion
 * with status 0. A run that does not end within its deadline fails the test (it once hung for an
 * enter-only point on mmap or futex: the spawner blocked in a JVM call its own filter held). Two
 * runs at a time, each in this JVM: a launch leaves no thread behind (SequentialLaunchesTest), so
 * the thousand runs do not pile up threads as they once did (927 threads and more than 8
 * minutes, when each launch parked its spawner thread and left its notifier running).
 */
class EveryPointAloneTest {

    private static final long DEADLINE_SECONDS = 30;

    @Test
    void everyPointEnabledAloneLetsAThreadedProgramAndTrueFinish() throws Exception {
        Catalog catalog = Catalog.standard();
        List<String> argv = List.of(CWorkloads.binary("few_threads").toString());
        List<PointDesc> points = catalog.points();
        assertThat(points).hasSizeGreaterThan(900);
        Map<String, String> failures = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(2, Thread.ofPlatform().daemon().factory());
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (PointDesc d : points) {
                runs.add(pool.submit(() -> {
                    String outcome = runAlone(catalog, d, argv);
                    if (outcome != null) {
                        failures.put(d.name(), outcome);
                    }
                }));
            }
            for (Future<?> f : runs) {
                f.get(DEADLINE_SECONDS + 10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(failures).as("points that kept a program from finishing").isEmpty();
    }

    /** Runs {@code argv} with {@code d} alone; null when it exited 0, else what happened. */
    private static String runAlone(Catalog catalog, PointDesc d, List<String> argv) {
        PointState state = Supervised.onlyPoint(d.point());
        Supervisor sup = new Supervisor(state, catalog, "alone", line -> {});
        ExecutorService one = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().factory());
        try {
            Future<Integer> status = one.submit(() -> sup.run(argv));
            try {
                int s = status.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
                return s == 0 ? null : "exit status " + s;
            } catch (TimeoutException e) {
                for (int pid : sup.processes()) {
                    try {
                        Signals.kill(pid, 9);
                    } catch (LinuxException gone) {
                        // already gone
                    }
                }
                return "no end within " + DEADLINE_SECONDS + " s";
            }
        } catch (Exception e) {
            return e.toString();
        } finally {
            one.shutdownNow();
        }
    }
}

package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.points.Catalog;
import dev.seccheck.sentry.defense.Guard;
import dev.seccheck.state.PointState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Launches leave nothing behind (issues 11 and 15): many supervisors one after another in one
 * JVM, and many {@code seccheck exec}s into one run, end every thread they started (spawner,
 * tracer, notifiers), so the kernel task count of this JVM and the length of the guard a next
 * launch compiles (it names every task of the JVM) stay where they were. Before, each launch parked
 * its spawner thread for good and left its notifier running: 300 launches left 300 more kernel
 * tasks and a guard about 1,800 instructions longer, and some 1,700 outgrew a seccomp program.
 */
class SequentialLaunchesTest {

    private static final int LAUNCHES = 300;
    private static final int EXECS = 60;
    /** Slack for threads the JVM itself starts or ends meanwhile (JIT compilers, GC workers). */
    private static final int SLACK_TASKS = 8;
    /** The guard compares each of its thread ids in two places (pidfd_open/tkill/kill, tgkill). */
    private static final int INSNS_PER_TASK = 2;

    @Test
    void threeHundredSupervisorsInOneJvmLeaveNoTaskNoThreadAndNoLongerGuard() throws Exception {
        // Every second run with an enter-only mmap point, whose listener a notifier serves.
        PointState plain = new PointState();
        PointState mmap = state("syscall/mmap/enter");
        assertThat(run(plain)).isZero(); // the classes and threads a first run loads stay: measure after it
        assertThat(run(mmap)).isZero();
        int tasksBefore = kernelTasks();
        int guardBefore = guardLength();
        Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();

        for (int i = 0; i < LAUNCHES; i++) {
            assertThat(run(i % 2 == 0 ? plain : mmap)).as("run %d", i).isZero();
        }

        assertThat(awaitNoRunThreads(threadsBefore)).as("threads of ended runs").isEmpty();
        int tasksAfter = kernelTasks();
        int guardAfter = guardLength();
        System.out.printf("%d runs: kernel tasks %d -> %d, guard %d -> %d instructions%n", LAUNCHES, tasksBefore,
                tasksAfter, guardBefore, guardAfter);
        assertThat(tasksAfter).isLessThanOrEqualTo(tasksBefore + SLACK_TASKS);
        assertThat(guardAfter).isLessThanOrEqualTo(guardBefore + SLACK_TASKS * INSNS_PER_TASK);
    }

    @Test
    void manyExecsIntoOneRunEndTheirThreads() throws Exception {
        Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();
        Supervisor sup = new Supervisor(state("syscall/mmap/enter"), Catalog.standard(), "execs", line -> {});
        Supervised.Background bg = Supervised.Background.start(sup, List.of("/bin/sleep", "120"));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (sup.pid().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(sup.pid()).as("the run's program started").isPresent();
            int tasksBefore = kernelTasks();
            for (int i = 0; i < EXECS; i++) {
                assertThat(sup.exec(List.of("/bin/true"), List.of("PATH=/usr/bin:/bin"), "/", new int[] {0, 1, 2}, pid -> { }).exitCode())
                        .as("exec %d", i).isZero();
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            // A spawner ends just after its command executed, a notifier once its command's tasks are gone.
            while (liveThreads("seccheck-exec-notifier") + liveThreads("seccheck-spawner") > 0
                    && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertThat(liveThreads("seccheck-exec-notifier")).as("notifiers of ended execs").isZero();
            assertThat(liveThreads("seccheck-spawner")).as("spawners of ended execs").isZero();
            assertThat(kernelTasks()).isLessThanOrEqualTo(tasksBefore + SLACK_TASKS);
        } finally {
            sup.signal(9);
            bg.finish(30);
        }
        // An exec refused because the run has no process left gives up its launch at once.
        int holdsBefore = holds();
        assertThatThrownBy(() -> sup.exec(List.of("/bin/true"), List.of("PATH=/usr/bin:/bin"), "/", new int[] {0, 1, 2}, pid -> { }))
                .isInstanceOf(SentryException.class).hasMessageContaining("no process left");
        assertThat(awaitNoRunThreads(threadsBefore)).as("threads of the ended run").isEmpty();
        assertThat(holds()).as("hold directories left").isLessThanOrEqualTo(holdsBefore);
    }

    private static PointState state(String point) {
        return Supervised.onlyPoint(Catalog.standard().byName(point).orElseThrow().point());
    }

    private static int run(PointState state) throws Exception {
        Supervisor sup = new Supervisor(state, Catalog.standard(), "seq", line -> {});
        return Supervised.Background.start(sup, List.of("/bin/true")).await(30, "/bin/true");
    }

    /**
     * The threads a run starts are named seccheck-...: waits up to 10 s for those not in
     * {@code before} to end, returns those left.
     */
    private static List<String> awaitNoRunThreads(Set<Thread> before) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> left;
        do {
            left = new ArrayList<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.isAlive() && t.getName().startsWith("seccheck-") && !before.contains(t)) {
                    left.add(t.getName());
                }
            }
            if (left.isEmpty()) {
                return left;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < until);
        return left;
    }

    private static long liveThreads(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().equals(name)).count();
    }

    /**
     * The hold directories of this JVM's launches ({@code dev.seccheck.linux.Spawn}) in the
     * temporary directory now; another test JVM (a second fork) has its own.
     */
    private static int holds() throws IOException {
        String mine = "seccheck-hold-" + ProcessHandle.current().pid() + "-";
        try (Stream<Path> all = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return (int) all.filter(p -> p.getFileName().toString().startsWith(mine)).count();
        }
    }

    private static int kernelTasks() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return (int) tasks.count();
        }
    }

    /** The instructions of the guard a launch would compile now. */
    private static int guardLength() {
        return Guard.forThisProcess(false).fragment(true).size();
    }
}

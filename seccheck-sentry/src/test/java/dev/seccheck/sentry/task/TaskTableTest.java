package dev.seccheck.sentry.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Tasks loaded from /proc are marked as an exec session the way their process or table says; a
 * process whose parent is gone names the parent the kernel gave it; a process that may have
 * renamed a thread through /proc is named as /proc says; a process is shielded while any of its
 * execs is undecided.
 */
class TaskTableTest {

    private static final int SELF = (int) ProcessHandle.current().pid();

    /** Returns a thread of this JVM other than its leader. */
    private static int otherThread() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.map(p -> Integer.parseInt(p.getFileName().toString())).filter(t -> t != SELF).findFirst()
                    .orElseThrow();
        }
    }

    @Test
    void aSiblingsFailedExecLeavesTheShieldOfTheExecInFlight() {
        TaskTable run = new TaskTable(false);
        run.put(new Task(100, 100, 1, 0, 0, "p", null, null, false));
        run.put(new Task(101, 100, 1, 0, 0, "p", null, null, false));
        run.execStarted(100, 100);
        run.execStarted(101, 100);
        run.execDecided(101); // the sibling's execv("/nonexistent") failed
        assertThat(run.shielded(100)).as("the process").isTrue();
        assertThat(run.shielded(101)).as("a thread of it").isTrue();
        run.execStarted(101, 100);
        run.execDecided(101);
        run.execDecided(100);
        assertThat(run.shielded(100)).isFalse();
    }

    @Test
    void aNonLeadersExecKeepsItsShieldUnderTheLeadersNumberUntilDecided() {
        TaskTable run = new TaskTable(false);
        run.put(new Task(100, 100, 1, 0, 0, "p", null, null, false));
        run.put(new Task(101, 100, 1, 0, 0, "p", null, null, false));
        run.execStarted(100, 100); // the leader's, killed on the way by the sibling's exec
        run.execStarted(101, 100);
        run.remove(101);
        run.execEvent(100, 100, true);
        assertThat(run.shielded(100)).as("decided at its exit, or killed").isTrue();
        run.execDecided(101); // the former number: nothing of it is left
        assertThat(run.shielded(100)).isTrue();
        run.execDecided(100);
        assertThat(run.shielded(100)).isFalse();

        run.execStarted(100, 100);
        run.execEvent(100, 100, false);
        assertThat(run.shielded(100)).as("let run at its exec event").isFalse();
    }

    @Test
    void aCallerWhoseOwnProcessIsInAnExecDoesNotReachAnotherHeldAtIts() {
        TaskTable run = new TaskTable(false);
        run.put(new Task(200, 200, 1, 0, 0, "parent", null, null, false));
        run.put(new Task(201, 200, 1, 0, 0, "parent", null, null, false));
        run.put(new Task(100, 100, 200, 0, 0, "child", null, null, false));
        run.put(new Task(101, 100, 200, 0, 0, "child", null, null, false));
        run.execStarted(100, 100);
        run.execStarted(201, 200); // the parent's own thread, failing execs in a loop
        assertThat(run.shieldedFrom(100, 200)).as("the child, from the parent").isTrue();
        assertThat(run.shieldedFrom(101, 201)).as("a thread of the child, from a thread of the parent").isTrue();
        assertThat(run.shieldedFrom(100, 101)).as("from its own process").isFalse();
        run.execDecided(100);
        assertThat(run.shieldedFrom(100, 200)).isFalse();
    }

    @Test
    void theExecNotifiersViewMarksTasksItMeetsFirst() {
        TaskTable run = new TaskTable(false);
        TaskTable execView = run.withExecSessionDefault(true);
        Task loaded = execView.getOrLoad(SELF);
        assertThat(loaded.execSession()).isTrue();
        assertThat(run.get(SELF)).as("the view shares the run's tasks").isEqualTo(loaded);
    }

    @Test
    void aLoadedThreadBelongsWhereItsLeaderDoes() throws IOException {
        TaskTable run = new TaskTable(false);
        run.put(new Task(SELF, SELF, 1, 0, 0, "java", null, null, true));
        assertThat(run.getOrLoad(otherThread()).execSession()).isTrue();
    }

    @Test
    void withoutAnythingKnownTheTableDefaultHolds() throws IOException {
        assertThat(new TaskTable(false).getOrLoad(otherThread()).execSession()).isFalse();
        assertThat(new TaskTable(true).getOrLoad(otherThread()).execSession()).isTrue();
    }

    @Test
    void aProcessWhoseParentIsGoneNamesTheParentTheKernelGaveIt() {
        int parent = (int) ProcessHandle.current().parent().orElseThrow().pid();
        int gone = Integer.MAX_VALUE;
        TaskTable run = new TaskTable(false);
        run.put(new Task(SELF, SELF, gone, 0, 0, "java", null, null, false));
        run.put(new Task(otherThreadOr(SELF), SELF, gone, 0, 0, "java", null, null, false));
        run.reparent(gone);
        assertThat(run.get(SELF).parentTgid()).as("a parent outside the run").isZero();

        run.put(new Task(parent, parent, 0, 0, 0, "sh", null, null, false));
        run.put(new Task(SELF, SELF, gone, 0, 0, "java", null, null, false));
        run.put(new Task(otherThreadOr(SELF), SELF, gone, 0, 0, "java", null, null, false));
        run.reparent(7);
        assertThat(run.get(SELF).parentTgid()).as("another process gone: not this one's parent").isEqualTo(gone);
        run.reparent(gone);
        assertThat(run.all()).filteredOn(t -> t.tgid() == SELF).extracting(Task::parentTgid).containsOnly(parent);
    }

    @Test
    void aProcessThatOpenedACommForWritingIsNamedAsProcSays() {
        TaskTable run = new TaskTable(false);
        Task self = new Task(SELF, SELF, 1, 0, 0, "stale", null, null, false);
        run.put(self);
        assertThat(run.name(self)).isEqualTo("stale");
        run.namesWritable(7);
        assertThat(run.name(self)).as("another process's writes").isEqualTo("stale");
        run.namesWritable(SELF);
        assertThat(run.name(self)).isEqualTo(dev.seccheck.linux.Procfs.comm(SELF)).isNotEqualTo("stale");
        Task gone = new Task(Integer.MAX_VALUE, SELF, 1, 0, 0, "kept", null, null, false);
        assertThat(run.name(gone)).as("a thread /proc no longer shows").isEqualTo("kept");
    }

    private static int otherThreadOr(int fallback) {
        try {
            return otherThread();
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
    }
}

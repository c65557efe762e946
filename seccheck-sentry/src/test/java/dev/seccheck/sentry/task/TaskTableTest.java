package dev.seccheck.sentry.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Tasks loaded from /proc are marked as an exec session the way their process or table says. */
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
}

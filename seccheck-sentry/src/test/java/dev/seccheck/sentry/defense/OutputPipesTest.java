package dev.seccheck.sentry.defense;

import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_NONBLOCK;
import static dev.seccheck.abi.Fcntl.O_PATH;
import static dev.seccheck.abi.Fcntl.O_RDONLY;
import static dev.seccheck.abi.Fcntl.O_RDWR;
import static dev.seccheck.abi.Fcntl.O_WRONLY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.FileTypes;
import dev.seccheck.linux.PathCalls;
import org.junit.jupiter.api.Test;

/**
 * Which opens {@link OutputPipes} refuses: those that would read seccheck's output pipe (O_RDONLY,
 * O_RDWR), not those that write it, reach it by O_PATH, or reach any other pipe or file; and the
 * line that says why, once per process.
 */
class OutputPipesTest {

    private static final OutputPipes OURS = OutputPipes.of(12, 3456);

    private static PathCalls.Stat stat(long dev, long ino, int type) {
        return new PathCalls.Stat(dev, ino, type | 0600, 0, 0, 0, 1, 0, 0, 0);
    }

    @Test
    void anOpenThatReadsTheOutputPipeIsRefused() {
        PathCalls.Stat pipe = stat(12, 3456, FileTypes.S_IFIFO);
        assertThat(OURS.refused(O_RDONLY, pipe)).isTrue();
        assertThat(OURS.refused(O_RDWR | O_CLOEXEC, pipe)).isTrue();
        assertThat(OURS.refused(O_RDONLY | O_NONBLOCK, pipe)).isTrue();
    }

    @Test
    void writingItReachingItByPathOrReadingAnythingElseIsNot() {
        PathCalls.Stat pipe = stat(12, 3456, FileTypes.S_IFIFO);
        assertThat(OURS.refused(O_WRONLY, pipe)).isFalse();
        assertThat(OURS.refused(O_PATH, pipe)).isFalse();
        assertThat(OURS.refused(O_WRONLY | O_RDWR, pipe)).as("access mode 3 reads nothing").isFalse();
        assertThat(OURS.refused(O_RDONLY, stat(12, 3457, FileTypes.S_IFIFO))).as("another pipe").isFalse();
        assertThat(OURS.refused(O_RDONLY, stat(12, 3456, FileTypes.S_IFREG))).as("a file of the same numbers").isFalse();
    }

    @Test
    void anObjectThatCannotBeLookedAtIsTakenForTheOutputPipeOnlyWhileThereIsOne() {
        assertThat(OURS.refused(O_RDONLY, null)).isTrue();
        assertThat(OURS.refused(O_WRONLY, null)).isFalse();
    }

    @Test
    void theLineIsSaidOncePerProcess() {
        OutputPipes pipes = OutputPipes.of(12, 3456);
        assertThat(pipes.refusal("openat", 100, 100, "cat", "pipe:[3456]"))
                .isEqualTo("refused openat from task 100 (cat) of pipe:[3456] for reading: it is the pipe seccheck"
                        + " writes its lines to, which a read end would take from their reader (EACCES; said once per process)");
        assertThat(pipes.refusal("openat", 101, 100, "cat", "pipe:[3456]")).isNull();
        assertThat(pipes.refusal("open", 200, 200, "sh", "pipe:[3456]")).startsWith("refused open from task 200 (sh)");
    }
}

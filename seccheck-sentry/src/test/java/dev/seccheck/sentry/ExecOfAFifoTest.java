package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile program asks to execute a FIFO (or a device). The kernel refuses it (EACCES), but the
 * tracer looks for a {@code #!} line first, at the execve's enter: an open of the FIFO would wait
 * for a writer there, holding the tracer and every traced task, and the run never ended.
 */
class ExecOfAFifoTest {

    @TempDir
    Path tmp;

    @Test
    void executingAFifoFailsAsNativelyAndHoldsNothing() throws Exception {
        Supervisor sup = ThreadStormTest.defaultSession(new ThreadStormTest.Counter());
        Path fifo = tmp.resolve("fifo");
        // The shell reports the refused exec with 126; then a device, whose open could act on it.
        String script = "mkfifo " + fifo + " && chmod +x " + fifo + "; " + fifo + "; a=$?; /dev/null; b=$?; "
                + "[ $a = 126 ] && [ $b = 126 ] && exit 7; exit 1";
        int status = Supervised.Background.start(sup, List.of("/bin/sh", "-c", script))
                .await(60, "a run whose program executes a FIFO");
        assertThat(status).as("both execs refused with EACCES, as natively").isEqualTo(7);
    }
}

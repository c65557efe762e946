package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Natively a signal undoes a FIFO open that waits for its writer at once: no reader is left, a
 * writer that comes before the open is repeated waits for the repeat and pairs with it, and one that
 * opens with O_NONBLOCK gets ENXIO. Seccheck's open, performed on a thread of its own, went on
 * waiting after the program's call was interrupted: a writer paired with it, its data was lost and
 * the repeated open waited for good; an O_NONBLOCK writer found a reader. The program
 * ({@code src/test/c/fifo_interrupted.c}): rounds of an open under a 1 ms SA_RESTART timer with a
 * writer 1-21 ms later (data intact, none hung), and rounds of an open interrupted once and
 * abandoned, then an O_NONBLOCK writer (ENXIO).
 */
class InterruptedFifoOpenPairingTest {

    private static final String RESTARTED = "restart: 5 rounds, data intact 5, hung 0\n";
    private static final String GAVE_UP = "gave up: 8 rounds, EINTR 8, writer found a reader 0\n";

    @TempDir
    Path tmp;

    @Test
    void aRestartedOpenPairsWithTheWriterAndAnAbandonedOneLeavesNoReader() throws Exception {
        Path program = CPrograms.compile("src/test/c/fifo_interrupted.c", tmp);
        for (boolean underSeccheck : new boolean[] {false, true}) {
            Path dir = Files.createDirectory(tmp.resolve(underSeccheck ? "under" : "native"));
            assertThat(PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, restart(program, dir)).out())
                    .as(underSeccheck ? "under seccheck" : "natively").isEqualTo(RESTARTED);
            assertThat(PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, gaveUp(program, dir)).out())
                    .as(underSeccheck ? "under seccheck" : "natively").isEqualTo(GAVE_UP);
        }
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aRestartedOpenPairsWithTheWriterAndAnAbandonedOneLeavesNoReaderUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        String classpath = PackagedCli.nobodyClasspath();
        Path program = CPrograms.compile("src/test/c/fifo_interrupted.c", tmp);
        for (boolean underSeccheck : new boolean[] {false, true}) {
            Path dir = PackagedCli.nobodysDir(tmp.resolve(underSeccheck ? "under" : "native"));
            assertThat(PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, underSeccheck, restart(program, dir))
                    .out()).as(underSeccheck ? "under seccheck" : "natively").isEqualTo(RESTARTED);
            assertThat(PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, underSeccheck, gaveUp(program, dir))
                    .out()).as(underSeccheck ? "under seccheck" : "natively").isEqualTo(GAVE_UP);
        }
    }

    private static List<String> restart(Path program, Path dir) {
        return List.of(program.toString(), "restart", "5", "1000", dir.toString());
    }

    private static List<String> gaveUp(Path program, Path dir) {
        return List.of(program.toString(), "gaveup", "8", dir.toString());
    }
}

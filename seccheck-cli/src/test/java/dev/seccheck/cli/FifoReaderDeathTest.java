package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A FIFO open seccheck performs for a thread that is then killed ends before the thread's parent
 * is told of the death: natively the open of a dead thread counts as no reader, and a writer that
 * opens the FIFO with O_NONBLOCK once waitpid has returned fails with ENXIO. seccheck's open waits
 * on a thread of its own, which was ended only by a look every few milliseconds ({@code Waits}),
 * so the parent's writer often paired with it ({@code fifo_reader_killed.c}, after the red team's
 * {@code fifoexec.c}): before, 155 and 149 writer opens of 200 found a reader (as root and as uid
 * 65534). Now the tracer ends the dead thread's opens when it reaps it, before the kernel can tell
 * the parent.
 */
class FifoReaderDeathTest {

    private static final int ROUNDS = 200;
    private static final Pattern FOUND = Pattern.compile("writer opens that found a reader: (\\d+) of (\\d+)");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aKilledThreadsFifoOpenEndsBeforeItsParentIsTold(boolean nobody) throws Exception {
        String classpath = nobody ? PackagedCli.forNobody(tmp) : null;
        Path program = CPrograms.compile("src/test/c/fifo_reader_killed.c", tmp, "-pthread");
        for (boolean underSeccheck : new boolean[] {false, true}) {
            String name = underSeccheck ? "under" : "native";
            Path fifos = nobody ? PackagedCli.nobodysDir(tmp.resolve(name)) : Files.createDirectory(tmp.resolve(name));
            List<String> command = List.of(program.toString(), fifos.toString(), Integer.toString(ROUNDS));
            PackagedCli.Result r = nobody
                    ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, underSeccheck, command)
                    : PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, command);
            Matcher m = FOUND.matcher(r.out());
            assertThat(m.find()).as(r.out() + r.err()).isTrue();
            assertThat(Integer.parseInt(m.group(2))).isEqualTo(ROUNDS);
            assertThat(Integer.parseInt(m.group(1))).as("%s: writer opens that found a reader after waitpid: %s",
                    name, r.out() + r.err()).isZero();
        }
    }
}

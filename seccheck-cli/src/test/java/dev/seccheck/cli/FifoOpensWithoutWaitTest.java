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
 * An open of a FIFO that cannot wait for the other end (O_NONBLOCK, or O_RDWR) only takes the
 * FIFO's lock, which no signal interrupts: natively it never fails with EINTR. Seccheck makes every
 * FIFO open on a pool thread, and a signal whose handler lacks SA_RESTART that came meanwhile left
 * the task's call its ERESTARTSYS, as for an open waiting for its peer: 2,990 of 3,000 such opens
 * failed with EINTR under a 50 us timer ({@code src/test/c/fifo_nonblocking_opens.c}). Now the
 * task repeats the call after the handler and gets what seccheck's open did ({@code Restarts}).
 */
class FifoOpensWithoutWaitTest {

    private static final String COUNT = "3000";
    private static final Pattern COUNTS = Pattern.compile(
            "3000 opens: (\\d+) ok, (\\d+) ENXIO, (\\d+) EINTR, 0 other errors\n");
    /**
     * How many may still fail with EINTR under seccheck: a signal that ends the task's wait before
     * the notifier received the call finds nothing to say it cannot wait, and the call keeps
     * ERESTARTSYS (docs/emulation.md, "Calls repeated after a signal"), as for any open seccheck performs.
     */
    private static final int EINTR_AT_MOST = 30;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aFifoOpenThatCannotWaitIsNotInterrupted(boolean nobody) throws Exception {
        String classpath = nobody ? PackagedCli.forNobody(tmp) : null;
        Path program = PackagedCli.compiledFor(Files.createDirectory(tmp.resolve("bin")), nobody,
                "src/test/c/fifo_nonblocking_opens.c");
        for (boolean underSeccheck : new boolean[] {false, true}) {
            String name = underSeccheck ? "under" : "native";
            Path dir = nobody ? PackagedCli.nobodysDir(tmp.resolve(name)) : Files.createDirectory(tmp.resolve(name));
            List<String> command = List.of(program.toString(), dir.toString(), COUNT);
            PackagedCli.Result r = nobody
                    ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, underSeccheck, command)
                    : PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, command);
            String all = name + ": " + r.out() + r.err();
            Matcher m = COUNTS.matcher(r.out());
            assertThat(m.find()).as(all).isTrue();
            int ok = Integer.parseInt(m.group(1));
            int enxio = Integer.parseInt(m.group(2));
            int eintr = Integer.parseInt(m.group(3));
            assertThat(eintr).as("opens that failed with EINTR, " + all).isLessThanOrEqualTo(underSeccheck ? EINTR_AT_MOST : 0);
            // Each open that did not fail with EINTR got what it gets natively: ENXIO for the writer.
            assertThat(enxio).as(all).isLessThanOrEqualTo(1000);
            assertThat(ok + enxio + eintr).as(all).isEqualTo(3000);
        }
    }
}

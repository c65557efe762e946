package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * At the cap on calls waiting on seccheck's threads (1,024: FIFO opens waiting for their peers),
 * opens that natively never wait are still made. seccheck refused every call at the cap with
 * EAGAIN, the opens of FIFOs with O_NONBLOCK or O_RDWR too, the threads it keeps for such opens
 * serving only when the kernel refused a thread: the writers' O_WRONLY|O_NONBLOCK opens that
 * would have released the waiting readers failed, and the readers waited for good (the red team's
 * capfifo.c, and manyfifo.c, which joins its readers and never ended). Now only the calls that
 * may wait are refused at the cap ({@code src/test/c/fifo_opens_at_cap.c}: {@value #READERS}
 * readers, the writers' opens from {@value #WRITERS} threads at once), as root and as uid 65534,
 * under the built-in session and the README's guard policy.
 */
class FifoOpensAtCapTest {

    /** Readers waiting: more than the cap (Emulator.MAX_WAITING). */
    private static final int READERS = 1030;
    /** Threads opening the writers' ends at once: more than the threads kept for such opens. */
    private static final int WRITERS = 4;
    private static final String NATIVE = """
            regular file: ok
            spare O_RDONLY|O_NONBLOCK: ok
            spare O_RDWR: ok
            writers: ok=%1$d ENXIO=0 other=0
            readers: ok=%1$d EAGAIN=0 other=0 waiting=0
            joined
            """.formatted(READERS);
    private static final Pattern COUNTS = Pattern.compile(
            "writers: ok=(\\d+) ENXIO=(\\d+) other=0\nreaders: ok=(\\d+) EAGAIN=(\\d+) other=0 waiting=0\n");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}, guard policy: {1}")
    @CsvSource({"false, false", "false, true", "true, false", "true, true"})
    void opensThatNeverWaitAreMadeAtTheCap(boolean nobody, boolean guard) throws Exception {
        String classpath = nobody ? PackagedCli.forNobody(tmp) : null;
        Path program = PackagedCli.compiledFor(Files.createDirectory(tmp.resolve("bin")), nobody,
                "src/test/c/fifo_opens_at_cap.c");
        Path[] configs = guard ? new Path[] {Files.writeString(tmp.resolve("guard.json"), Policies.readmeGuard())}
                : new Path[0];
        String out = null;
        for (boolean underSeccheck : new boolean[] {false, true}) {
            String name = underSeccheck ? "under" : "native";
            Path dir = nobody ? PackagedCli.nobodysDir(tmp.resolve(name)) : Files.createDirectory(tmp.resolve(name));
            List<String> command = List.of(program.toString(), dir.toString(), Integer.toString(READERS),
                    Integer.toString(WRITERS));
            PackagedCli.Result r = nobody
                    ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, underSeccheck, command, configs)
                    : PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, command, configs);
            if (!underSeccheck) {
                assertThat(r.out()).as("natively: " + r.err()).isEqualTo(NATIVE);
                continue;
            }
            out = r.out();
            String all = "under seccheck: " + r.out() + r.err();
            // The opens that never wait, as natively.
            assertThat(r.out()).as(all).startsWith("""
                    regular file: ok
                    spare O_RDONLY|O_NONBLOCK: ok
                    spare O_RDWR: ok
                    """).endsWith("joined\n");
            // The readers past the cap are refused (their opens may wait), and their writers find
            // no reader; every reader that waited is released by its writer.
            Matcher counts = COUNTS.matcher(r.out());
            assertThat(counts.find()).as(all).isTrue();
            int writersOk = Integer.parseInt(counts.group(1));
            int refused = Integer.parseInt(counts.group(4));
            assertThat(Integer.parseInt(counts.group(3))).as(all).isEqualTo(writersOk);
            assertThat(Integer.parseInt(counts.group(2))).as(all).isEqualTo(refused);
            assertThat(writersOk + refused).as(all).isEqualTo(READERS);
            assertThat(refused).as("the readers' opens refused at the cap, " + all).isBetween(READERS - 1024, 16);
        }
        assertThat(out).isNotNull();
    }
}

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
 * A FIFO's open waits for the FIFO's pipe lock, whatever its flags, and the program can hold that
 * lock as long as it likes (a splice into the FIFO from an empty socket holds it while it waits
 * for data). seccheck made FIFO opens with O_NONBLOCK or O_RDWR on its notifier thread, taken for
 * opens that never wait: the notifier then waited for the program's lock, and every held call of
 * the run waited behind it, an unrelated process's opens for as long as the lock was held (about
 * 3 s here, where natively they take no time; the red team's {@code splicelock.c}). Now every FIFO
 * open is made on a thread of its own, and only the opener waits, as natively.
 * ({@code fifo_lock_held.c}: the lock held {@value #HOLD} s.)
 */
class FifoLockTest {

    private static final int HOLD = 3;
    private static final Pattern WORST = Pattern.compile("other process: worst open took (\\d+\\.\\d+) s");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aHeldFifoLockHoldsOnlyTheFifosOpener(boolean nobody) throws Exception {
        String classpath = nobody ? PackagedCli.forNobody(tmp) : null;
        Path program = PackagedCli.compiledFor(Files.createDirectory(tmp.resolve("bin")), nobody,
                "src/test/c/fifo_lock_held.c");
        for (boolean underSeccheck : new boolean[] {false, true}) {
            String name = underSeccheck ? "under" : "native";
            Path dir = nobody ? PackagedCli.nobodysDir(tmp.resolve(name)) : Files.createDirectory(tmp.resolve(name));
            List<String> command = List.of(program.toString(), dir.toString(), Integer.toString(HOLD));
            PackagedCli.Result r = nobody
                    ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, underSeccheck, command)
                    : PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, command);
            String all = name + ": " + r.out() + r.err();
            Matcher worst = WORST.matcher(r.out());
            assertThat(worst.find()).as(all).isTrue();
            assertThat(Double.parseDouble(worst.group(1))).as("the unrelated process's worst open, " + all)
                    .isLessThan(1.0);
            // The FIFO's open itself completes once the lock is let go, as natively.
            assertThat(r.out()).as(all).contains("splice returned 1\n").containsPattern("fifo open: ok after [2-9]\\.\\d s\n");
        }
    }
}

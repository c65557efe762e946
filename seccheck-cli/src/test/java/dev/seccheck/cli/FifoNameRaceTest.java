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
 * A FIFO whose pipe lock the program holds (a splice into it from an empty socket), planted at a
 * name while seccheck opens that name for another thread, must not hold seccheck's notifier, which
 * serves every held call of the run ({@link FifoLockTest}). Seccheck's walk looks at the name, then
 * its notifier opens it: a name the walk found missing was created by name (O_CREAT), and an
 * O_NOFOLLOW open was reopened by name (the flag stays in the file's only so); a FIFO planted
 * between the two was opened on the notifier, which waited for the lock, and an unrelated
 * process's opens waited with it (about 2.8 s of a 3 s hold, natively none; the race planted at a
 * random moment of each open, round after round: {@code src/test/c/fifo_name_race.c}). Now the
 * notifier creates only a new file (O_EXCL added: a name taken meanwhile goes to a pool thread),
 * and an O_NOFOLLOW open it would make by name goes to a pool thread whole.
 */
class FifoNameRaceTest {

    private static final int HOLD = 3;
    private static final Pattern WORST = Pattern.compile("other process: worst open took (\\d+\\.\\d+) s");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}, as uid 65534: {1}")
    @CsvSource({"create, false", "create, true", "nofollow, false", "nofollow, true"})
    void aFifoPlantedDuringAnOpenHoldsOnlyItsOpener(String mode, boolean nobody) throws Exception {
        String classpath = nobody ? PackagedCli.forNobody(tmp) : null;
        Path program = PackagedCli.compiledFor(Files.createDirectory(tmp.resolve("bin")), nobody,
                "src/test/c/fifo_name_race.c", "-pthread");
        for (boolean underSeccheck : new boolean[] {false, true}) {
            String name = underSeccheck ? "under" : "native";
            Path dir = nobody ? PackagedCli.nobodysDir(tmp.resolve(name)) : Files.createDirectory(tmp.resolve(name));
            List<String> command = List.of(program.toString(), dir.toString(), Integer.toString(HOLD), mode);
            PackagedCli.Result r = nobody
                    ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, underSeccheck, command)
                    : PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, command);
            String all = name + ": " + r.out() + r.err();
            Matcher worst = WORST.matcher(r.out());
            assertThat(worst.find()).as(all).isTrue();
            assertThat(r.out()).as(all).contains("splice returned 1\n").containsPattern("race: [1-9]\\d* rounds\n");
            assertThat(Double.parseDouble(worst.group(1))).as("the unrelated process's worst open, " + all)
                    .isLessThan(1.0);
        }
    }
}

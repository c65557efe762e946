package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process outside the run holds a deleted file on its descriptor 3; the program races O_PATH
 * opens of a harmless file against a thread that rewrites the path to {@code /proc/PID/fd/3}, and
 * reopens what it got through {@code /proc/self/fd/N} ({@code src/test/c/opath_race.c}). seccheck
 * decides an O_PATH open on the path it read and then lets the kernel make it from the program's
 * memory (it cannot install an O_PATH file), so some opens give the program an O_PATH file of the
 * outside process's file. Red-team round 20: the reopen through it read the held file (660 of
 * 3,000 opens were of it, as root and as uid 65534; a pipe's data too), where the direct open is
 * refused. Now a walk through a descriptor's link to an O_PATH file whose object no decision let
 * the program open is refused: no reopen reads it, while the harmless file's reopens work.
 * Natively the reopen reads it (so the test cannot pass for want of a race).
 */
class RacedPathFilesTest {

    private static final Pattern COUNTS = Pattern.compile("tries=(\\d+) other=(\\d+) read=(\\d+) harmless=(\\d+)");

    @TempDir
    Path tmp;

    @RegisterExtension
    final OutsideProcess outside = new OutsideProcess();

    @Test
    void anOPathFileRacedOntoAnOutsideProcesssFileIsNotReopenedAsRoot() throws Exception {
        race(null);
    }

    @Test
    void anOPathFileRacedOntoAnOutsideProcesssFileIsNotReopenedAsUid65534() throws Exception {
        PackagedCli.assumeNobody(tmp);
        race(PackagedCli.nobodyClasspath());
    }

    private void race(String nobody) throws Exception {
        Path program = PackagedCli.compiledFor(tmp, nobody != null, "src/test/c/opath_race.c", "-pthread");
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path held = Files.writeString(shared.resolve("held"), "held by a process outside the run\n");
        Files.setPosixFilePermissions(held, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path harmless = Files.writeString(shared.resolve("harmless"), "harmless\n");
        Files.setPosixFilePermissions(harmless, PosixFilePermissions.fromString("rw-r--r--"));
        String pid = outside.start(nobody != null, "sleep",
                List.of("sh", "-c", "exec 3<\"$0\"; rm \"$0\"; exec sleep 300", held.toString()));
        Path policy = Files.writeString(tmp.resolve("guard.json"), Policies.FAIL_CLOSED_GUARD);
        List<String> cmd = List.of(program.toString(), "/proc/" + pid + "/fd/3", harmless.toString(), "3000");

        long[] natively = counts(PackagedCli.nativeOrUnderSeccheck(tmp, "native", nobody, false, cmd, policy));
        assertThat(natively[2]).as("natively, reopens of the outside process's file that read it").isPositive();

        long[] r = counts(PackagedCli.nativeOrUnderSeccheck(tmp, "under", nobody, true, cmd, policy));
        assertThat(r[1]).as("under seccheck, O_PATH files of the outside process's file the race got (else the"
                + " reopens below prove nothing)").isPositive();
        assertThat(r[2]).as("under seccheck, reopens of the outside process's file that read it (of %d O_PATH"
                + " files of it)", r[1]).isZero();
        assertThat(r[3]).as("under seccheck, reopens of the harmless file").isPositive();
    }

    private static long[] counts(PackagedCli.Result r) {
        Matcher m = COUNTS.matcher(r.out());
        assertThat(m.find()).as(r.out() + r.err()).isTrue();
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4))};
    }
}

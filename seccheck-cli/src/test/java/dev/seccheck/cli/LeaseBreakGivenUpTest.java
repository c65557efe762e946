package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An open with O_TRUNC that waits for a read lease on its file to break, given up by its caller
 * (killed, or told EINTR by a signal without SA_RESTART), opens and truncates nothing, as natively
 * ({@code lease_break_given_up.c}). seccheck's own open went on waiting on a pool thread and
 * emptied the file once the lease was released (red-team round 23: 5 of 5 and 3 of 3, as root and
 * as uid 65534). Natively first.
 */
class LeaseBreakGivenUpTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}, as uid 65534: {1}")
    @CsvSource({"killed, false", "interrupted, false", "killed, true", "interrupted, true"})
    void theFileKeepsItsBytes(String how, boolean nobody) throws Exception {
        String classpath = nobody ? PackagedCli.forNobody(tmp) : null;
        Path dir = nobody ? PackagedCli.nobodysDir(tmp.resolve("u")) : tmp.toRealPath();
        Path program = PackagedCli.compiledFor(dir, nobody, "src/test/c/lease_break_given_up.c");
        Path config = Files.writeString(dir.resolve("policy.json"), Policies.OPEN_FILE_KEYS);
        String expected = (how.equals("interrupted") ? "child's open: EINTR\n" : "") + "size 14\n";
        for (boolean under : new boolean[] {false, true}) {
            Path file = dir.resolve((under ? "under-" : "native-") + how);
            List<String> command = List.of(program.toString(), file.toString(), how);
            PackagedCli.Result r = PackagedCli.nativeOrUnderSeccheck(tmp, (under ? "under" : "native"), classpath, under,
                    command, under ? new Path[] {config} : new Path[0]);
            assertThat(r.out()).as(under ? "under seccheck: " + r.err() : "natively").isEqualTo(expected);
        }
    }
}

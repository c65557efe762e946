package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Files whose names were removed are named by the name they had (red-team round 15). The kernel
 * names such a file with " (deleted)" after it. On seccheck's own mounts that name was taken as it
 * was, so a rule whose pattern ends the name missed it ({@code MovedExecTest}'s unlink and fd
 * routes); on a mount of the program's own namespace it was walked from seccheck's root to confirm
 * it, which an unlinked file never passes, so every reopen through {@code /proc/self/fd} of an
 * unlinked file, a removed directory or an O_TMPFILE file, and every link of one, failed with
 * EACCES under the README's guard policy in any container. {@code src/test/c/unlinked_names.c}
 * runs natively and under the guard, in seccheck's mount namespace and in one of its own, as root
 * and as uid 65534 (then in a user namespace of its own too).
 */
class UnlinkedNamesTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}, own mount namespace: {1}")
    @CsvSource({"false, false", "false, true", "true, true"})
    void filesWithNoNameLeftAreReopenedAndLinkedAsNatively(boolean nobody, boolean ownNamespace) throws Exception {
        String classpath = null;
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
            classpath = PackagedCli.nobodyClasspath();
        }
        Path program = CPrograms.compile("src/test/c/unlinked_names.c", tmp);
        Path guard = Files.writeString(tmp.resolve("guard.json"), Policies.FAIL_CLOSED_GUARD);
        String natively = null;
        for (boolean underSeccheck : new boolean[] {false, true}) {
            String where = underSeccheck ? "under" : "native";
            Path dir = nobody ? PackagedCli.nobodysDir(tmp.resolve(where)) : Files.createDirectory(tmp.resolve(where));
            List<String> command = new ArrayList<>();
            if (ownNamespace) {
                command.addAll(nobody ? List.of("unshare", "-U", "-r", "-m") : List.of("unshare", "-m"));
            }
            command.addAll(List.of(program.toString(), dir.toString()));
            Path[] configs = underSeccheck ? new Path[] {guard} : new Path[0];
            PackagedCli.Result r = nobody
                    ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, underSeccheck, command, configs)
                    : PackagedCli.nativeOrUnderSeccheck(dir, underSeccheck, command, configs);
            if (!underSeccheck) {
                natively = r.out();
                assertThat(natively).as("natively").contains("reopen O_TMPFILE               ok");
            } else {
                assertThat(r.out()).as("under seccheck: " + r.err()).isEqualTo(natively);
            }
        }
    }
}

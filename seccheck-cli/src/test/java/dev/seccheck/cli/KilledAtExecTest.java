package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child its parent kills right after its fork and exec (Popen and then kill(), as test suites
 * do) dies by that SIGKILL, and seccheck says nothing of it. Under a policy that decides opens,
 * seccheck checks the files each exec mapped; a task already being killed can often not be read,
 * and seccheck logged, for 47-52 of 200 such children, that it had killed the task because a file
 * it executed could not be checked (a red team's killexec.c).
 */
class KilledAtExecTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aChildKilledByItsParentInItsExecIsNotReportedAsKilledBySeccheck(boolean nobody) throws Exception {
        Path program = CPrograms.compile("src/test/c/kill_after_exec.c", tmp);
        Path config = Files.writeString(tmp.resolve("policy.json"), Policies.OPEN_FILE_KEYS);
        List<String> command = List.of(program.toString(), "200");
        String classpath = nobody ? PackagedCli.forNobody(tmp) : null;
        for (boolean underSeccheck : new boolean[] {false, true}) {
            PackagedCli.Result r = nobody
                    ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, underSeccheck, command, config)
                    : PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, command, config);
            assertThat(r.out()).as(underSeccheck ? "under seccheck" : "natively")
                    .isEqualTo("SIGKILL ended 200 of 200 children\n");
            assertThat(r.err()).as("seccheck's lines").doesNotContain("killed task");
        }
    }
}

package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A rule on an exec's argv or environment holds for the strings the new program reads, for as
 * long as it runs. The program reads them from its own memory, after the exec was decided and its
 * shield lifted (a loader's LD_PRELOAD, echo's argv): a parent of the run wrote "EVILARG!" over
 * its child's argv there once the exec went through ({@code exec_strings.c}, after red-team round
 * 22's {@code argswap.c}), by process_vm_writev and through /proc/CHILD/mem, and the child printed
 * it under a kill rule on {@code *EVILARG*}: 99 of 100 rounds, as root and as uid 65534. While a
 * sink decides at sentry/execve, writes into another process's memory are refused (EPERM,
 * EACCES for the open), with a line. Natively both routes rewrite, so the test cannot pass
 * vacuously.
 */
class ExecStringsRewriteTest {

    private static final int ROUNDS = 20;
    private static final Pattern COUNTS = Pattern.compile(
            "rewritten by process_vm_writev (\\d+), by /proc/PID/mem (\\d+), in (\\d+) rounds; refused (\\d+)");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aParentCannotRewriteTheArgvItsChildsExecWasDecidedOn(boolean nobody) throws Exception {
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
        }
        Path program = CPrograms.compile("src/test/c/exec_strings.c", tmp);
        Path config = Files.writeString(tmp.resolve("policy.json"), """
                {"name": "strings",
                 "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"]},
                            {"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"effect": "execute_file", "match": {"argv": {"glob": "*EVILARG*"}}, "action": "kill"}]}}]}""");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));

        String[] command = {program.toString(), Integer.toString(ROUNDS)};
        int[] natively = counts(ProcessResult.of(nobody ? PackagedCli.nobody(command) : List.of(command), tmp, 60).out());
        assertThat(natively[0]).as("rewritten natively by process_vm_writev").isPositive();
        assertThat(natively[1]).as("rewritten natively through /proc/PID/mem").isPositive();

        ProcessResult r = ProcessResult.of(PackagedCli.run(tmp, nobody, config, List.of(command)), tmp, 120);
        int[] under = counts(r.out());
        assertThat(under[0] + under[1]).as("rounds whose child printed the rewritten argv: %s", r.out()).isZero();
        // A round whose child ended before the parent's first write (ESRCH) counts as not refused.
        assertThat(under[3]).as("rounds whose every write was refused: %s", r.out()).isGreaterThanOrEqualTo(ROUNDS / 2);
        assertThat(r.out()).contains("refused process_vm_writev from task ")
                .containsPattern("refused openat from task \\d+ \\(exec_strings\\) of /proc/\\d+/mem for writing");
    }

    /** The counts of {@code exec_strings}'s line: by process_vm_writev, by /proc/PID/mem, rounds, refused. */
    private static int[] counts(String out) {
        Matcher m = COUNTS.matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
            Integer.parseInt(m.group(4))};
    }
}

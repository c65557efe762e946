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
import org.junit.jupiter.params.provider.CsvSource;

/**
 * While seccheck decides a process's exec, the new program's memory is out of the reach of the
 * program's other processes, whatever the process's other threads do meanwhile. A parent read a
 * program that rules keep from being opened and run out of its child executing it
 * ({@code exec_shield.c}, after the red team's {@code steal.c}): the child's sibling thread made
 * failing execs in a loop, and each one's end lifted the shield of the exec still in flight, so
 * the parent read the new image (process_vm_readv, /proc/CHILD/mem) before seccheck killed the
 * child at its exec event. Before, 43 and 64 rounds of 300 were read (as root and as uid 65534).
 * With a shield per exec, two narrower windows still let a few rounds through (3 and 2 of 300):
 * /proc/CHILD/mem looked at before the exec started and opened after the new image was mapped,
 * and a process_vm_readv answered before it, whose caller still ran to the call (then counted
 * out of its call). And a parent with such a thread of its own passed for shielded itself while
 * one of its failing execs was in flight, and reached the shielded child: 52 of 300 read, as root
 * (none now). Natively both routes read it, so the test cannot pass vacuously.
 */
class ExecShieldTest {

    private static final int ROUNDS = 300;
    private static final Pattern STOLEN = Pattern.compile("stolen by process_vm_readv (\\d+), by /proc/PID/mem (\\d+),"
            + " in (\\d+) rounds");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}, the parent making failing execs too: {1}")
    @CsvSource({"false, false", "true, false", "false, true", "true, true"})
    void aSiblingThreadsFailingExecsLeaveTheShieldOfTheExecInFlight(boolean nobody, boolean parentToo)
            throws Exception {
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
        }
        Path kept = Files.createDirectory(tmp.resolve("kept"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path program = CPrograms.compile("src/test/c/exec_shield_kept.c", kept, "-static", "-nostdlib", "-no-pie");
        Path stealer = CPrograms.compile("src/test/c/exec_shield.c", tmp, "-pthread");
        Path config = Files.writeString(tmp.resolve("policy.json"), """
                {"name": "shield",
                 "points": [{"name": "syscall/open/enter", "context_fields": ["cwd"]},
                            {"name": "syscall/openat/enter", "optional_fields": ["fd_path"]},
                            {"name": "syscall/creat/enter", "context_fields": ["cwd"]},
                            {"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"effect": "open_file", "match": {"resolved_path": {"prefix": "%1$s/"}}, "action": "deny",
                    "errno": "EACCES"},
                   {"effect": "execute_file", "match": {"binary_path": {"prefix": "%1$s/"}}, "action": "deny"}]}}]}"""
                .formatted(kept.toRealPath()));
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));

        String[] natively = {stealer.toString(), program.toString(), "5"};
        int[] free = stolen(ProcessResult.of(nobody ? PackagedCli.nobody(natively) : List.of(natively), tmp, 60).out());
        assertThat(free[0]).as("read natively by process_vm_readv").isPositive();
        assertThat(free[1]).as("read natively through /proc/PID/mem").isPositive();

        ProcessResult r = ProcessResult.of(PackagedCli.run(tmp, nobody, config,
                List.of(stealer.toString(), program.toString(), Integer.toString(ROUNDS), parentToo ? "1" : "0")), tmp,
                120);

        int[] under = stolen(r.out());
        String summary = r.out().lines().filter(l -> l.startsWith("stolen by")).findFirst().orElseThrow();
        assertThat(under[2]).as(summary).isEqualTo(ROUNDS);
        assertThat(under[0] + under[1]).as("rounds whose child's new image was read: %s", summary).isZero();
    }

    /** The counts of {@code exec_shield}'s last line: by process_vm_readv, by /proc/PID/mem, rounds. */
    private static int[] stolen(String out) {
        Matcher m = STOLEN.matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
    }
}

package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A signal seccheck sends a process of the run reaches that process, or no one: never a process
 * that took its number after it ended. seccheck looks at a process, then signals it; the sinks or
 * the answer may hold it in between (here an alert written to the run's terminal, whose output the
 * program stopped), while the process exits, is reaped, and its number goes to another process.
 * In a pid namespace whose pid space the program filled ({@code pid_max} 1200), the freed number
 * is the next one given out, and an outside daemon that forks all the time
 * ({@code pid_reuse_victim.c}, not under seccheck) takes it ({@code pid_reuse.c}, after the red
 * team's {@code killrule_reuse.c} and {@code kill0reuse.c}):
 * <ul>
 *   <li>{@code open}: a child opens a file a {@code kill} rule names and exits while the rule's
 *       alert waits; seccheck then SIGKILLed the daemon's child by the number;
 *   <li>{@code group}: {@code kill(0, SIGUSR1)} while a member of the group exits; seccheck then
 *       sent USR1 to the listed numbers, the daemon's child's among them.
 * </ul>
 * Before, every round killed an outside child (3 of 3, as root and as uid 65534). seccheck now
 * holds each process by a pidfd from the moment it is known to be the right one.
 */
class PidReuseTest {

    private static final int ROUNDS = 3;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}, as uid 65534: {1}")
    @CsvSource({"open, false", "open, true", "group, false", "group, true"})
    void aSignalSeccheckSendsNeverReachesAProcessThatTookTheNumber(String mode, boolean nobody) throws Exception {
        Assumptions.assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0,
                "a pid namespace with a pid_max of its own, and uid 65534, need root");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path program = CPrograms.compile("src/test/c/pid_reuse.c", tmp, "-pthread");
        Path victim = CPrograms.compile("src/test/c/pid_reuse_victim.c", tmp);
        Path forbidden = Files.writeString(tmp.resolve("forbidden"), "secret\n");
        Path config = Files.writeString(tmp.resolve("policy.json"), """
                {"name": "pidreuse",
                 "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name"]},
                            {"name": "syscall/open/enter", "context_fields": ["process_name", "cwd"]},
                            {"name": "syscall/creat/enter", "context_fields": ["process_name", "cwd"]},
                            {"name": "syscall/sysno/62/enter"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"name": "kill on forbidden", "effect": "open_file", "match": {"resolved_path": "%s"}, "action": "kill"},
                   {"name": "group signal", "point": "syscall/sysno/62/enter", "action": "log"}]}}]}"""
                .formatted(forbidden));
        Path pty = tmp.resolve("in_pty.py");
        try (InputStream in = PidReuseTest.class.getResourceAsStream("in_pty.py")) {
            Files.copy(in, pty);
        }
        Path wrapper = Files.writeString(tmp.resolve("in_small_pid_space.sh"), """
                nobody=$1; victim=$2; out=$3; shift 3
                echo 1200 > /proc/sys/kernel/pid_max || exit 90
                if [ "$nobody" = 1 ]; then
                  setpriv --reuid=65534 --regid=65534 --clear-groups -- "$victim" 60 300000 > "$out" &
                else
                  "$victim" 60 300000 > "$out" &
                fi
                daemon=$!
                sleep 1
                "$@"
                echo "run status $?"
                kill $daemon; wait $daemon
                cat "$out"
                """);
        for (Path p : List.of(forbidden, config, pty, wrapper)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        }

        List<String> cmd = new ArrayList<>(List.of("unshare", "-pf", "--mount-proc", "sh", wrapper.toString(),
                nobody ? "1" : "0", victim.toString(), tmp.resolve("daemon.out").toString(), "python3", pty.toString()));
        cmd.addAll(seccheck(nobody, config, program.toString(), mode, Integer.toString(ROUNDS), forbidden.toString()));
        ProcessResult r = ProcessResult.of(cmd, tmp, 300);
        String out = r.out();

        Matcher taken = Pattern.compile("taken in (\\d+) of " + ROUNDS + " rounds").matcher(out);
        assertThat(taken.find()).as(out).isTrue();
        assertThat(Integer.parseInt(taken.group(1))).as("rounds whose number another process took: %s", out)
                .isPositive();
        assertThat(out).as(out).contains("run status 0")
                .contains("outside daemon: ").contains(" 0 killed by a signal")
                .doesNotContain("OUTSIDE CHILD");
        String alert = mode.equals("open") ? "\"rule_name\":\"kill on forbidden\"" : "\"rule_name\":\"group signal\"";
        assertThat(Pattern.compile(Pattern.quote(alert)).matcher(out).results().count())
                .as("the rule's alert, once a round: %s", out).isEqualTo(ROUNDS);
    }

    /** {@code seccheck run} with {@code config}, as this user or as uid 65534 (a runtime root of its own each). */
    private List<String> seccheck(boolean nobody, Path config, String... command) {
        return PackagedCli.run(tmp, nobody, config, List.of(command));
    }
}

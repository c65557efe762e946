package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thread that executes while it is not its process's leader takes the leader's number, and the
 * kernel frees the thread's own before the tracer hears of the exec: a sibling process's fork can
 * get it meanwhile ({@code reused_thread_number.c} steers its forks there through ns_last_pid, as
 * root; the red team walked the pid counter round to it as uid 65534). seccheck registered that
 * child over what it kept of the thread (red-team round 23): its creator's Landlock domain
 * replaced the domain the thread had confined itself to, so the new program's opens, which
 * seccheck performs, were made unconfined (17 of 40 rounds read the file the domain keeps); and
 * the child's end took the exec's pending call with it, so a program a kill rule forbids ran
 * (1 to 9 in 40-60 rounds), while the child was killed "for a creator killed while creating
 * it". The child is now registered once the exec event has moved the thread's state.
 */
class ReusedThreadNumberTest {

    private static final int ROUNDS = 40;

    @TempDir
    Path tmp;
    private Path program;
    private Path secret;
    private Path log;

    @BeforeEach
    void build() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "root: ns_last_pid");
        program = CPrograms.compile("src/test/c/reused_thread_number.c", tmp.toRealPath(), "-static", "-pthread");
        secret = Files.writeString(tmp.resolve("secret"), "kept\n");
        log = tmp.resolve("victim.log");
    }

    @Test
    void theExecutingThreadKeepsItsOwnLandlockDomain() throws Exception {
        assertThat(race(false, "0", program, null)).as("natively, unconfined").containsOnly("read kept");
        assertThat(race(false, "1", program, null)).as("natively, confined").containsOnly("refused");
        Path policy = Files.writeString(tmp.resolve("policy.json"), Policies.OPEN_FILE_KEYS);
        assertThat(race(true, "1", program, policy)).as("under seccheck, confined").containsOnly("refused");
    }

    @Test
    void aKillRuleOnWhatRunsHoldsForTheExecutingThread() throws Exception {
        Path forbidden = Files.copy(program, tmp.resolve("forbidden"));
        assertThat(race(false, "0", forbidden, null)).as("natively").hasSize(ROUNDS);
        Path policy = Files.writeString(tmp.resolve("kill.json"), """
                {"name": "noexec", "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"effect": "execute_file", "match": {"binary_path": "%s"}, "action": "kill"}]}}]}"""
                .formatted(forbidden.toRealPath()));
        assertThat(race(true, "0", forbidden, policy)).as("under the kill rule: what ran").isEmpty();
    }

    /** Runs the race with {@code exe} executed, and returns the lines its runs wrote. */
    private List<String> race(boolean under, String confine, Path exe, Path policy) throws Exception {
        Files.deleteIfExists(log);
        List<String> command = List.of(program.toString(), "race", String.valueOf(ROUNDS), confine, exe.toString(),
                secret.toString(), log.toString());
        PackagedCli.Result r = PackagedCli.nativeOrUnderSeccheck(tmp, "run-" + System.nanoTime(), null, under, command,
                policy == null ? new Path[0] : new Path[] {policy});
        assertThat(r.out()).as("the number taken: " + r.err()).matches("reused [1-9][0-9]* of " + ROUNDS + "\n");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }
}

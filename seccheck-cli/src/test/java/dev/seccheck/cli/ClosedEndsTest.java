package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A descriptor the program closes right after a held call on it no longer holds its file open
 * under seccheck, as natively: seccheck's copy of the descriptor is closed before the call is
 * answered ({@code src/test/c/closed_ends.c}: a pipe's write end fchmod'ed then closed, its read
 * end reads end of file at once; a unix socket connected then closed, the accepted connection
 * reads end of file at once). Before, the copy was closed after the answer, and the other end
 * still saw a writer (EAGAIN) in most rounds (red-team report R2 F4, the survey it asked for).
 * Under a policy that holds fchmod (a rule on opening files) and connect (a rule on unix
 * paths), as root and as uid 65534.
 */
class ClosedEndsTest {

    private static final String PROGRAM = "src/test/c/closed_ends.c";

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aPipesClosedWriteEndIsSeenClosedAtOnce(boolean nobody) throws Exception {
        Path program = PackagedCli.compiledFor(tmp, nobody, PROGRAM);
        List<String> command = List.of(program.toString(), "pipe", "40");
        assertThat(run(nobody, false, command).out()).isEqualTo("pipe: still open 0 of 40\n");
        assertThat(run(nobody, true, command).out()).isEqualTo("pipe: still open 0 of 40\n");
    }

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aClosedSocketsPeerSeesItsEndAtOnce(boolean nobody) throws Exception {
        Path program = PackagedCli.compiledFor(tmp, nobody, PROGRAM);
        Path natively = dir(nobody, "natively");
        Path under = dir(nobody, "under");
        assertThat(run(nobody, false, List.of(program.toString(), "socket", natively.toString(), "40")).out())
                .isEqualTo("socket: still open 0 of 40\n");
        assertThat(run(nobody, true, List.of(program.toString(), "socket", under.toString(), "40")).out())
                .isEqualTo("socket: still open 0 of 40\n");
    }

    private Path dir(boolean nobody, String name) throws Exception {
        Path dir = tmp.resolve(name);
        return nobody ? PackagedCli.nobodysDir(dir) : Files.createDirectory(dir);
    }

    /** A policy with a rule on opening files (fchmod is held) and one on unix paths (connect is held), on nothing the program uses. */
    private Path policy() throws Exception {
        Path policy = tmp.resolve("policy.json");
        if (Files.exists(policy)) {
            return policy;
        }
        Files.writeString(policy, """
                {"name": "ends",
                 "points": [
                   {"name": "syscall/open/enter", "context_fields": ["process_name", "cwd"]},
                   {"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name"]},
                   {"name": "syscall/creat/enter", "context_fields": ["process_name", "cwd"]},
                   {"name": "syscall/connect/enter"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"name": "keys", "effect": "open_file", "match": {"resolved_path": {"glob": "DIR/keys/**"}},
                    "action": "deny", "errno": "EACCES"},
                   {"name": "no deny sockets", "effect": "connect_network", "match": {"unix_path": {"glob": "*/deny*"}},
                    "action": "deny", "errno": "EACCES"}],
                  "on_missing": "deny"}}]}
                """.replace("DIR", tmp.toString()));
        Files.setPosixFilePermissions(policy, PosixFilePermissions.fromString("rw-r--r--"));
        return policy;
    }

    /** Runs {@code command} natively or under the policy, as root or as uid 65534. */
    private PackagedCli.Result run(boolean nobody, boolean underSeccheck, List<String> command) throws Exception {
        Path[] configs = underSeccheck ? new Path[] {policy()} : new Path[0];
        return nobody
                ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, PackagedCli.nobodyClasspath(), underSeccheck, command, configs)
                : PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, command, configs);
    }
}

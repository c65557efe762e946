package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The run's first command is decided and reported as any exec is. Its execve was let through as
 * the launch's own, unregistered: a binary a rule kills ran when named as the command itself
 * ({@code seccheck run -- denied X}) and was killed only behind a shell, and the trail had no
 * execve line for it. Now a denied first command is killed before its first instruction, and the
 * trail's first execve is the command's, with its own name (never seccheck's spawner thread's).
 * As root and as uid 65534.
 */
class FirstCommandExecTest {

    @TempDir
    Path tmp;

    private Path denied;
    private Path out;

    @BeforeEach
    void files() throws Exception {
        PackagedCli.assumeNobody(tmp);
        Path tools = Files.createDirectory(tmp.resolve("tools"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        denied = Files.copy(Path.of("/usr/bin/echo"), tools.resolve("denied"));
        Files.setPosixFilePermissions(denied, PosixFilePermissions.fromString("rwxr-xr-x"));
        out = PackagedCli.nobodysDir(tmp.resolve("out"));
    }

    /** Runs {@code command} natively or under seccheck with {@code config}, as root or uid 65534, whatever its status. */
    private PackagedCli.Result run(boolean nobody, boolean underSeccheck, Path config, String... command)
            throws Exception {
        Path[] configs = underSeccheck ? new Path[] {config} : new Path[0];
        ProcessBuilder pb = nobody
                ? PackagedCli.asNobodyNativeOrUnderSeccheckProcess(tmp,
                        underSeccheck ? PackagedCli.nobodyClasspath() : null, underSeccheck,
                        List.of(command), configs)
                : PackagedCli.nativeOrUnderSeccheckProcess(tmp, underSeccheck, List.of(command), configs);
        return PackagedCli.run(pb, tmp, Duration.ofSeconds(120));
    }

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aDeniedFirstCommandIsKilledBeforeItRuns(boolean nobody) throws Exception {
        Path policy = Files.writeString(tmp.resolve("deny.json"), """
                {"name": "deny", "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"name": "no-denied", "effect": "execute_file", "match": {"binary_path": "%s"}, "action": "kill"}]}}]}"""
                .formatted(denied));
        PackagedCli.Result natively = run(nobody, false, policy, denied.toString(), "FIRST-COMMAND-RAN");
        assertThat(natively.out()).as("natively").isEqualTo("FIRST-COMMAND-RAN\n");
        PackagedCli.Result r = run(nobody, true, policy, denied.toString(), "FIRST-COMMAND-RAN");
        assertThat(r.out()).as(r.err()).isEmpty();
        assertThat(r.status()).as(r.err()).isEqualTo(137);
        assertThat(r.err()).contains("\"rule_name\":\"no-denied\"", "\"point\":\"sentry/execve\"")
                .doesNotContain("seccheck-spawne");
    }

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void theFirstCommandHasItsExecveLine(boolean nobody) throws Exception {
        Path trail = out.resolve("trail");
        Path session = Files.writeString(tmp.resolve("trail.json"), """
                {"name": "trail", "points": [{"name": "sentry/execve", "context_fields": ["process_name"]}],
                 "sinks": [{"name": "text", "config": {"path": "%s"}}]}""".formatted(trail));
        PackagedCli.Result r = run(nobody, true, session, "/usr/bin/echo", "hi");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("hi\n");
        String lines = Files.readString(trail);
        assertThat(lines).contains("echo --- execve binary_path=\"/usr/bin/echo\" argv=[\"/usr/bin/echo\", \"hi\"]")
                .doesNotContain("seccheck-spawne");
    }

    /**
     * A session that keeps each task's credentials (for sentry/task_exit) and has an open point:
     * keeping them replaced the launched process's entry in the task table, after which the
     * launch's own calls were taken for the program's. Its hold's open was decided and reported as
     * "seccheck-spawne", and as uid 65534 performed with credentials that could not open it: the
     * run never started ("posix_spawn: EACCES", status 126).
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void theLaunchsOwnCallsStayItsOwnWhateverTheSessionKeeps(boolean nobody) throws Exception {
        Path trail = out.resolve("kept");
        Path session = Files.writeString(tmp.resolve("kept.json"), """
                {"name": "kept", "points": [{"name": "sentry/task_exit", "context_fields": ["credentials"]},
                                            {"name": "syscall/openat/enter", "context_fields": ["process_name"]}],
                 "sinks": [{"name": "text", "config": {"path": "%s"}}]}""".formatted(trail));
        PackagedCli.Result r = run(nobody, true, session, "/usr/bin/echo", "started");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("started\n");
        assertThat(Files.readString(trail)).contains("openat").doesNotContain("seccheck-spawne");
    }
}

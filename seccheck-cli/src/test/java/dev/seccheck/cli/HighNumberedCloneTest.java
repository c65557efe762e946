package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A thread made by a clone whose syscall number has its upper 32 bits set
 * ({@code clone_high_nr.c}: {@code 0x1_00000038}, which x86-64's entry and seccomp take as clone)
 * is a thread of its process under seccheck too (red-team round 23). The tracer compared the whole
 * register with clone's number, found no clone, took no flags, and recorded the thread as a
 * process of its own: sentry/clone named it its own thread group; a {@code kill} rule the thread
 * met did not kill (the pidfd of a "process" that is a thread is refused), 5 of 5; and the exec
 * shield, kept per process, shielded that phantom process while the real one executed a kept
 * program, whose image its parent then read through /proc/CHILD/mem (4 of 10 rounds here, 10 of
 * 10 in the red team's runs). Each is checked natively first, where the thread opens, and the
 * image is read.
 */
class HighNumberedCloneTest {

    /** The points of every open by name, with what a rule on the resolved path needs. */
    private static final String OPENS = """
            {"name": "syscall/open/enter", "context_fields": ["cwd"]},
             {"name": "syscall/openat/enter", "optional_fields": ["fd_path"]},
             {"name": "syscall/creat/enter", "context_fields": ["cwd"]}""";
    private static final Pattern THREAD = Pattern.compile("thread (\\d+) of process (\\d+)");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aKillRuleKillsTheProcessOfSuchAThread(boolean nobody) throws Exception {
        Path dir = nobody ? PackagedCli.nobodysDir(tmp.resolve("u")) : tmp.toRealPath();
        Path program = PackagedCli.compiledFor(dir, nobody, "src/test/c/clone_high_nr.c");
        Path secret = Files.writeString(dir.resolve("secret"), "kept\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        Path config = Files.writeString(dir.resolve("kill.json"), """
                {"name": "kill", "points": [%2$s],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"effect": "open_file", "match": {"resolved_path": "%1$s"}, "action": "kill"}]}}]}"""
                .formatted(secret.toRealPath(), OPENS));
        List<String> command = List.of(program.toString(), "open", secret.toString());
        String classpath = nobody ? PackagedCli.forNobody(tmp) : null;

        PackagedCli.Result natively = PackagedCli.eitherWay(dir, classpath, false, command, null);
        assertThat(natively.out()).as("natively").contains("thread opened: yes", "survived");

        PackagedCli.Result under = PackagedCli.eitherWay(dir, classpath, true, command, config);
        assertThat(under.out()).as("under the kill rule: " + under.err()).doesNotContain("survived", "opened: yes");
        assertThat(under.status()).as("killed").isEqualTo(128 + 9);
    }

    @Test
    void sentryCloneNamesTheThreadsOwnProcess() throws Exception {
        Path dir = tmp.toRealPath();
        Path program = CPrograms.compile("src/test/c/clone_high_nr.c", dir);
        Path trail = dir.resolve("trail.txt");
        Path config = Files.writeString(dir.resolve("clones.json"), """
                {"name": "clones", "points": [{"name": "sentry/clone"}],
                 "sinks": [{"name": "text", "config": {"path": "%s"}}]}""".formatted(trail));
        PackagedCli.Result under = PackagedCli.eitherWay(dir, null, true, List.of(program.toString(), "open", "/dev/null"),
                config);
        Matcher m = THREAD.matcher(under.out());
        assertThat(m.find()).as("the thread's line: " + under.out() + under.err()).isTrue();
        String lines = Files.readString(trail);
        String clone = lines.lines().filter(l -> l.contains("created_thread_id=" + m.group(1))).findFirst()
                .orElseThrow(() -> new AssertionError("no sentry/clone of thread " + m.group(1) + " in " + lines));
        assertThat(clone).contains("created_thread_group_id=" + m.group(2) + " ");
    }

    @Test
    void theExecShieldHoldsForSuchAThreadsExec() throws Exception {
        Path kept = Files.createDirectory(tmp.resolve("kept"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path image = CPrograms.compile("src/test/c/exec_shield_kept.c", kept, "-static", "-nostdlib", "-no-pie");
        Path program = CPrograms.compile("src/test/c/clone_high_nr.c", tmp);
        Path config = Files.writeString(tmp.resolve("policy.json"), """
                {"name": "shield",
                 "points": [%2$s, {"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"effect": "open_file", "match": {"resolved_path": {"prefix": "%1$s/"}}, "action": "deny",
                    "errno": "EACCES"},
                   {"effect": "execute_file", "match": {"binary_path": {"prefix": "%1$s/"}}, "action": "deny"}]}}]}"""
                .formatted(kept.toRealPath(), OPENS));
        List<String> command = List.of(program.toString(), "exec", image.toString(), "10");
        Path dir = tmp.toRealPath();

        assertThat(PackagedCli.eitherWay(dir, null, false, command, null).out()).as("natively")
                .contains("stolen 10 of 10");
        PackagedCli.Result under = PackagedCli.eitherWay(dir, null, true, command, config);
        assertThat(under.out()).as("under the policy: " + under.err()).contains("stolen 0 of 10");
    }
}

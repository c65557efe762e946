package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's allow-list pair ({@code binary_path} and {@code mapped_path} not under
 * {@code /usr/**}: kill) and a program that maps anonymous memory executable, as every JIT does
 * ({@code java -version}, Python's {@code mmap} with PROT_EXEC here). Such a mapping names no
 * file: its {@code mapped_path} is absent, and an absent value matches no rule, {@code not}
 * included. Before, the empty string matched {@code not /usr/**} and the program was killed
 * (every time, as root and as uid 65534), while a JIT that made its memory executable with
 * {@code mprotect} ran.
 */
class AnonymousExecMappingTest {

    private static final List<String> ANONYMOUS_RWX = List.of("/usr/bin/python3", "-c",
            "import mmap; mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC); print('mapped')");

    @TempDir
    Path tmp;

    @Test
    void anAnonymousExecutableMappingPassesAnAllowListOfFiles() throws Exception {
        Path policy = policy();
        for (boolean underSeccheck : new boolean[] {false, true}) {
            Path dir = Files.createDirectory(tmp.resolve(underSeccheck ? "under" : "native"));
            PackagedCli.Result r = PackagedCli.nativeOrUnderSeccheck(dir, underSeccheck, ANONYMOUS_RWX, policy);
            assertThat(r.out()).as(r.err()).isEqualTo("mapped\n");
        }
    }

    @Test
    void anAnonymousExecutableMappingPassesAnAllowListOfFilesUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        String classpath = PackagedCli.nobodyClasspath();
        Path policy = policy();
        for (boolean underSeccheck : new boolean[] {false, true}) {
            PackagedCli.Result r = PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, underSeccheck, ANONYMOUS_RWX,
                    policy);
            assertThat(r.out()).as(r.err()).isEqualTo("mapped\n");
        }
    }

    /** The README's pair of rules, with an alerts file every user may write. */
    private Path policy() throws Exception {
        Path alerts = Files.createFile(tmp.resolve("alerts.jsonl"));
        Files.setPosixFilePermissions(alerts, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path policy = Files.writeString(tmp.resolve("usr-only.json"), """
                {"name": "usr-only",
                 "points": [{"name": "sentry/execve"}, {"name": "sentry/mmap"}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"effect": "execute_file", "match": {"binary_path": {"not": {"glob": "/usr/**"}}}, "action": "kill"},
                   {"point": "sentry/mmap", "match": {"mapped_path": {"not": {"glob": "/usr/**"}}}, "action": "kill"}]}}]}
                """.formatted(alerts));
        Files.setPosixFilePermissions(policy, PosixFilePermissions.fromString("rw-r--r--"));
        return policy;
    }
}

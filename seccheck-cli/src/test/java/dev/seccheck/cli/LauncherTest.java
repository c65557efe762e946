package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.cli.PackagedCli.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LauncherTest: what the {@code ./seccheck} script itself says before any Java runs. */
class LauncherTest {

    @TempDir
    Path tmp;

    @Test
    void aDeletedWorkingDirectoryIsNamedInsteadOfAJvmStackTrace() throws Exception {
        Path launcher = TestPrograms.repoRoot().resolve("seccheck");
        Path gone = Files.createDirectory(tmp.resolve("gone"));
        // The shell enters the directory, which is then removed under it, as `rm -rf` from another terminal would.
        Result r = PackagedCli.run(new ProcessBuilder("bash", "-c",
                "cd " + gone + " && rmdir " + gone + " && exec " + launcher + " exec some-run -- /bin/true"),
                tmp, Duration.ofSeconds(60));
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("seccheck: the current directory no longer exists")
                .doesNotContain("initialization of VM");
    }
}

package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import dev.seccheck.cli.PackagedCli.Result;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.attribute.PosixFilePermissions;

/** `seccheck run` as a user sees it: exit codes, error lines, and a run without privileges. */
class RunCommandTest {

    @RegisterExtension
    final CapturedOutput err = CapturedOutput.stderr();

    @TempDir
    Path tmp;

    /** The runtime directory of the runs: the suite never touches the system's /run/seccheck. */
    private String root() {
        return tmp.resolve("root").toString();
    }

    private String err() {
        return err.text();
    }

    @Test
    void theExitStatusIsTheProgramsOwn() {
        assertThat(Main.execute("run", "--root", root(), "--quiet", "--", "sh", "-c", "exit 7")).isEqualTo(7);
    }

    @Test
    void aMissingProgramIsOneLineAndExit127LikeAShell() {
        assertThat(Main.execute("run", "--root", root(), "--", "/nonexistent")).isEqualTo(127);
        assertThat(err().lines().filter(l -> l.startsWith("seccheck run:")).toList())
                .containsExactly("seccheck run: /nonexistent: no such file");
    }

    @Test
    void aMissingConfigFileIsAClearError() {
        Path missing = tmp.resolve("missing.json");
        assertThat(Main.execute("run", "--root", root(), "--config", missing.toString(), "--", "/bin/true")).isEqualTo(1);
        assertThat(err()).startsWith("seccheck run: ").contains(missing.toString());
        assertThat(err().lines().count()).isEqualTo(1);
    }

    @Test
    void aBadSessionIsAClearError() throws IOException {
        Path bad = Files.writeString(tmp.resolve("bad.json"), "{\"name\":\"x\",\"points\":[{\"name\":\"syscall/nope\"}]}");
        assertThat(Main.execute("run", "--root", root(), "--config", bad.toString(), "--", "/bin/true")).isEqualTo(1);
        assertThat(err()).startsWith("seccheck run: ").contains("syscall/nope");
        Path notJson = Files.writeString(tmp.resolve("broken.json"), "{\"name\":");
        err.reset();
        assertThat(Main.execute("run", "--root", root(), "--config", notJson.toString(), "--", "/bin/true")).isEqualTo(1);
        assertThat(err()).startsWith("seccheck run: ");
        assertThat(err().lines().count()).isEqualTo(1);
    }

    /** Runs the packaged CLI as uid 65534 and as root: the workload's output must be the same. */
    @Test
    void runsWithoutPrivileges() throws Exception {
        assumeThat(new com.sun.security.auth.module.UnixSystem().getUid())
                .as("this test switches to uid 65534 and needs to run as root")
                .isZero();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = PackagedCli.nobodyClasspath();
        // A runtime directory per user under tmp (made world-writable by exec): never /run or /tmp/seccheck-<uid>.
        java.util.function.Function<String, List<String>> cmd = rootName -> List.of(java,
                "-XX:-UsePerfData", // else a JVM run as uid 65534 leaves /tmp/hsperfdata_nobody behind
                "-cp", cp,
                "dev.seccheck.cli.Main", "run", "--root", tmp.resolve(rootName).toString(), "--quiet", "--", "/bin/cat",
                "/etc/hostname");
        Result asRoot = exec(cmd.apply("root-0"));
        List<String> unpriv = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
        unpriv.addAll(cmd.apply("root-65534"));
        Result asNobody = exec(unpriv);
        assertThat(asNobody.status()).as(asNobody.err()).isZero();
        assertThat(asNobody.out()).isEqualTo(asRoot.out()).isEqualTo(Files.readString(Path.of("/etc/hostname")));
        // The default session prints what the program did: its exec and the open of /etc/hostname.
        List<String> withDefault = new ArrayList<>(unpriv);
        withDefault.remove("--quiet");
        Result seen = exec(withDefault);
        assertThat(seen.status()).as(seen.err()).isZero();
        assertThat(seen.err()).contains("/etc/hostname");
    }

    private Result exec(List<String> cmd) throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        return PackagedCli.run(new ProcessBuilder(cmd), tmp, Duration.ofSeconds(60));
    }
}

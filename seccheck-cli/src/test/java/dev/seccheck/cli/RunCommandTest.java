package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.attribute.PosixFilePermissions;

/** `seccheck run` as a user sees it: exit codes, error lines, and a run without privileges. */
class RunCommandTest {

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedErr;

    @TempDir
    Path tmp;

    @BeforeEach
    void capture() {
        savedErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(savedErr);
    }

    /** The runtime directory of the runs: the suite never touches the system's /run/seccheck. */
    private String root() {
        return tmp.resolve("root").toString();
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
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
        Path root = Path.of("").toAbsolutePath();
        Path target = root.resolve("target");
        List<Path> jars = new ArrayList<>();
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(target, "seccheck-cli-*.jar")) {
                ds.forEach(jars::add);
            }
        }
        assumeThat(jars).as("the packaged CLI (seccheck-cli/target/seccheck-cli-*.jar; run `./build package`)")
                .isNotEmpty();
        assumeThat(target.resolve("lib")).as("seccheck-cli/target/lib").isDirectory();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Copies the jars where uid 65534 can read them: the checkout may sit in a directory it cannot enter.
        Path cpDir = Files.createDirectories(tmp.resolve("cp"));
        List<String> entries = new ArrayList<>();
        List<Path> all = new ArrayList<>(jars.subList(0, 1));
        try (DirectoryStream<Path> libs = Files.newDirectoryStream(target.resolve("lib"), "*.jar")) {
            libs.forEach(all::add);
        }
        for (Path jar : all) {
            Path copy = cpDir.resolve(jar.getFileName());
            Files.copy(jar, copy);
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
            entries.add(copy.toString());
        }
        Files.setPosixFilePermissions(cpDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        String cp = String.join(":", entries);
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

    private record Result(int status, String out, String err) {}

    private Result exec(List<String> cmd) throws Exception {
        Path o = Files.createTempFile(tmp, "out", "");
        Path e = Files.createTempFile(tmp, "err", "");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile())
                .redirectOutput(o.toFile())
                .redirectError(e.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(cmd + " did not end within 60 s");
        }
        int status = p.exitValue();
        return new Result(status, Files.readString(o), Files.readString(e));
    }
}

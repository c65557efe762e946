package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process outside the run runs a binary that was then deleted (a copy of cat); the program
 * executes it through that process's {@code /proc/PID/exe}, directly or as the interpreter a
 * script's {@code #!} line names. Red-team round 21: the exec ran the outside process's file, and
 * the program could read it through its own {@code /proc/self/exe} and its memory. While seccheck
 * performs the opens, the names an exec leads the kernel to open are walked first, as an open's,
 * and the exec fails with EACCES; natively both routes run the file, as root and as uid 65534.
 */
class OutsideBinariesTest {

    @TempDir
    Path tmp;

    @RegisterExtension
    final OutsideProcess outside = new OutsideProcess();

    @Test
    void anOutsideProcesssDeletedBinaryIsNotExecutedAsRoot() throws Exception {
        execs(null);
    }

    @Test
    void anOutsideProcesssDeletedBinaryIsNotExecutedAsUid65534() throws Exception {
        PackagedCli.assumeNobody(tmp);
        execs(PackagedCli.nobodyClasspath());
    }

    private void execs(String nobody) throws Exception {
        Path bin = Files.createDirectory(tmp.resolve("bin"));
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path copy = Files.copy(Path.of("/bin/cat"), bin.resolve("heldcat"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
        // It reads its standard input, a pipe the test holds open, until the test ends it.
        String pid = outside.start(nobody != null, "heldcat", List.of(copy.toString()));
        Files.delete(copy);
        Path script = Files.writeString(bin.resolve("script"), "#!/proc/" + pid + "/exe\nSCRIPT-RAN\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path policy = Files.writeString(tmp.resolve("guard.json"), Policies.FAIL_CLOSED_GUARD);
        List<String> cmd = List.of("sh", "-c", "/proc/" + pid + "/exe --version; \"$0\"; echo done", script.toString());

        PackagedCli.Result natively = PackagedCli.nativeOrUnderSeccheck(tmp, "native", nobody, false, cmd, policy);
        assertThat(natively.out()).as("natively").contains("(GNU coreutils)").contains("SCRIPT-RAN");

        PackagedCli.Result r = PackagedCli.nativeOrUnderSeccheck(tmp, "under", nobody, true, cmd, policy);
        assertThat(r.out()).as("under seccheck: %s", r.out() + r.err()).doesNotContain("GNU coreutils")
                .doesNotContain("SCRIPT-RAN").contains("done");
        assertThat(r.err()).as("the shell's report of both refusals").contains("Permission denied");
    }
}

package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A root program that gives up root in-process (a privilege-separating daemon: setgid and
 * setuid to 65534 with no exec after; or seteuid for a while) opens, makes and removes files
 * under seccheck as natively. Changing its ids made it non-dumpable, and the kernel then lets
 * only a holder of CAP_SYS_PTRACE take its cwd, root or fds; seccheck took them after it had
 * assumed the program's credentials, which lack it, and every open failed with EACCES (EBADF
 * relative to a dirfd). Root's 0600 file stays refused, as natively: the walk and the open are
 * still the program's. The uid 65534 twin is refused the drop itself, natively and under seccheck.
 */
class DroppedPrivilegesTest {

    @TempDir
    Path tmp;

    private Path program;
    private Path dir;
    private Path guard;

    @BeforeEach
    void prepare() throws IOException, InterruptedException {
        PackagedCli.assumeNobody(tmp);
        program = CPrograms.compile("src/test/c/drop_privileges.c", tmp);
        dir = Files.createDirectory(tmp.resolve("d"));
        Files.writeString(dir.resolve("pub.txt"), "pub\n");
        Files.writeString(dir.resolve("secret"), "secret\n");
        Files.setPosixFilePermissions(dir.resolve("secret"), PosixFilePermissions.fromString("rw-------"));
        Path shared = Files.createDirectory(dir.resolve("shared"));
        new ProcessBuilder("chmod", "1777", shared.toString()).start().waitFor();
        // A policy on paths, so that the names calls (mkdir, chmod, rmdir) are made by seccheck too.
        guard = Files.writeString(tmp.resolve("guard.json"), Policies.OPEN_FILE_KEYS);
    }

    private static final String AS_NATIVELY =
            "dumpable=0 absolute=ok relative=ok dirfd=ok mkdir=ok chmod=ok rmdir=ok secret=EACCES\n";

    @Test
    void aRootProgramThatSetsItsUidTo65534OpensAsNatively() throws Exception {
        List<String> command = List.of(program.toString(), "setuid", dir.toString());
        assertThat(PackagedCli.nativeOrUnderSeccheck(tmp, false, command).out()).isEqualTo(AS_NATIVELY);
        assertThat(PackagedCli.nativeOrUnderSeccheck(tmp, true, command).out()).as("default session").isEqualTo(AS_NATIVELY);
        assertThat(PackagedCli.nativeOrUnderSeccheck(tmp, true, command, guard).out()).as("a policy on paths")
                .isEqualTo(AS_NATIVELY);
    }

    @Test
    void aRootProgramThatSetsOnlyItsEffectiveIdsOpensAsNatively() throws Exception {
        List<String> command = List.of(program.toString(), "seteuid", dir.toString());
        assertThat(PackagedCli.nativeOrUnderSeccheck(tmp, false, command).out()).isEqualTo(AS_NATIVELY);
        assertThat(PackagedCli.nativeOrUnderSeccheck(tmp, true, command, guard).out()).isEqualTo(AS_NATIVELY);
    }

    @Test
    void uid65534MayNotDropWhatItDoesNotHave() throws Exception {
        String classpath = PackagedCli.nobodyClasspath();
        List<String> command = List.of(program.toString(), "setuid", dir.toString());
        assertThat(PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, false, command).out()).isEqualTo("drop=EPERM\n");
        assertThat(PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, true, command, guard).out())
                .isEqualTo("drop=EPERM\n");
    }
}

package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A program that mounts a part of procfs (its own /proc/PID, one of its files) outside the
 * directory it then chroots into, and reaches it through its working directory or a descriptor
 * kept from before, reads its own entries there as natively ({@code src/test/c/proc_bind_chroot.c}).
 * seccheck places such an entry in its procfs by its mount's root within the procfs; that root
 * was read from the program's mountinfo, which the kernel filters by the task's root and where a
 * mount outside it is missing, so every route was refused (EACCES). Now the mount is told by
 * statmount in the task's mount namespace, which sees it whatever the task's root. The parent's
 * entries (seccheck's, under seccheck) mounted the same way still show only what anyone may read.
 */
class ProcBindsOutsideTheRootTest {

    private static final String PROGRAM = "src/test/c/proc_bind_chroot.c";

    /** What the program's own entries give, natively and under seccheck. */
    private static final String OWN = """
            own dirfd status = READ
            own dirfd environ = READ
            own cwd status = READ
            own cwd environ = READ
            own file bind status = READ
            parent dirfd status = READ
            parent cwd status = READ
            """;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534 in a user namespace: {0}")
    @ValueSource(booleans = {false, true})
    void itsOwnProcEntriesMountedOutsideItsRootReadAsNatively(boolean nobody) throws Exception {
        Path program = PackagedCli.compiledFor(tmp, nobody, PROGRAM);
        // Natively root reads the test's JVM's environment; uid 65534 does not.
        String parentNatively = nobody ? "EACCES" : "READ";
        assertThat(run(nobody, program, "native", false)).as("natively")
                .isEqualTo(OWN + parentLines(parentNatively));
        assertThat(run(nobody, program, "under", true)).as("under seccheck").isEqualTo(OWN + parentLines("EACCES"));
    }

    private static String parentLines(String environ) {
        return "parent dirfd environ = " + environ + "\nparent cwd environ = " + environ + "\n";
    }

    /** Runs the program with its mount points in a fresh directory {@code tmp/name} and its jail beside it. */
    private String run(boolean nobody, Path program, String name, boolean under) throws Exception {
        Path dir = tmp.resolve(name);
        Path jail = tmp.resolve(name + "-jail");
        if (nobody) {
            PackagedCli.nobodysDir(dir);
            PackagedCli.nobodysDir(jail);
        } else {
            Files.createDirectory(dir);
            Files.createDirectory(jail);
        }
        List<String> command = List.of(program.toString(), dir.toString(), jail.toString());
        PackagedCli.Result r = nobody
                ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, PackagedCli.nobodyClasspath(), under, command)
                : PackagedCli.nativeOrUnderSeccheck(tmp, under, command);
        return r.out();
    }
}

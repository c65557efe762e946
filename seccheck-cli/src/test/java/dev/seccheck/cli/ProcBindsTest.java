package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A copy of another process's /proc entry mounted by the program (a bind mount of /proc/PID, of
 * /proc/PID/task/TID or of one of its files, open_tree then move_mount, a bind over the program's
 * own /proc/PID) shows no more than /proc/PID itself: seccheck's, and a process's outside the run,
 * refuse their environment, maps and memory whatever mount the name crosses
 * ({@code src/test/c/proc_binds.c}). Red-team report R1 #1: before, every such route read
 * seccheck's environ and maps and opened its mem O_RDWR as root, and as uid 65534 in a user and
 * mount namespace of its own read seccheck's maps and its user's other process's environ. Natively
 * root reads them all (the test's JVM, an outside root process); the program's own entry, mounted
 * so, stays its own under seccheck.
 */
class ProcBindsTest {

    private static final String PROGRAM = "src/test/c/proc_binds.c";

    /** What the program prints under seccheck, whichever other process it aims at. */
    private static final String REFUSED = """
            dir bind status = READ
            dir bind environ = EACCES
            dir bind maps = EACCES
            dir bind mem O_RDWR = EACCES
            dir bind task environ = EACCES
            dir bind dirfd environ = EACCES
            dir bind cwd environ = EACCES
            task bind environ = EACCES
            file bind environ = EACCES
            file bind mem O_RDWR = EACCES
            open_tree dirfd environ = EACCES
            move_mount environ = EACCES
            over own environ = EACCES
            own bind environ = READ
            own bind mem O_RDWR = OPEN
            """;

    /** The process outside the run the program aims at: root's or 65534's, with a secret in its environment. */
    private static final List<String> SLEEPER = List.of("env", "SECRET=rootkey", "sleep", "300");

    /** What root reads natively through the same routes. */
    private static final String READ = REFUSED.replace("= EACCES\n", "= READ\n")
            .replace("mem O_RDWR = READ", "mem O_RDWR = OPEN");

    @TempDir
    Path tmp;

    @RegisterExtension
    final OutsideProcess outside = new OutsideProcess();

    @Test
    void seccheckMountedElsewhereIsRefusedAsRoot() throws Exception {
        Path program = PackagedCli.compiledFor(tmp, false, PROGRAM);
        assertThat(run(false, program, "native", "parent", false)).as("natively, the test's JVM").isEqualTo(READ);
        assertThat(run(false, program, "under", "parent", true)).as("under seccheck, seccheck").isEqualTo(REFUSED);
    }

    @Test
    void anOutsideProcessMountedElsewhereIsRefusedAsRoot() throws Exception {
        Path program = PackagedCli.compiledFor(tmp, false, PROGRAM);
        String pid = outside.start(false, "sleep", SLEEPER);
        assertThat(run(false, program, "native", pid, false)).as("natively").isEqualTo(READ);
        assertThat(run(false, program, "under", pid, true)).as("under seccheck").isEqualTo(REFUSED);
    }

    @Test
    void seccheckMountedElsewhereIsRefusedAsUid65534InItsOwnNamespaces() throws Exception {
        Path program = PackagedCli.compiledFor(tmp, true, PROGRAM);
        assertThat(run(true, program, "under", "parent", true, "userns")).as("under seccheck, seccheck")
                .isEqualTo(REFUSED);
    }

    @Test
    void itsUsersOutsideProcessMountedElsewhereIsRefusedAsUid65534InItsOwnNamespaces() throws Exception {
        Path program = PackagedCli.compiledFor(tmp, true, PROGRAM);
        String pid = outside.start(true, "sleep", SLEEPER);
        assertThat(run(true, program, "under", pid, true, "userns")).as("under seccheck").isEqualTo(REFUSED);
        // Natively the kernel refuses too: a process of a child user namespace is no tracer of its
        // user's processes outside it.
        assertThat(run(true, program, "native", pid, false, "userns")).as("natively").isEqualTo(REFUSED);
    }

    /** Runs the program against {@code target} with its mount points in a fresh directory {@code tmp/name}. */
    private String run(boolean nobody, Path program, String name, String target, boolean under, String... more)
            throws Exception {
        Path dir = tmp.resolve(name);
        if (nobody) {
            PackagedCli.nobodysDir(dir);
        } else {
            Files.createDirectory(dir);
        }
        List<String> command = new java.util.ArrayList<>(List.of(program.toString(), dir.toString(), target));
        command.addAll(List.of(more));
        PackagedCli.Result r = nobody
                ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, PackagedCli.nobodyClasspath(), under, command)
                : PackagedCli.nativeOrUnderSeccheck(tmp, under, command);
        return r.out();
    }
}

package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Another process's /proc entry mounted by the program and reached by a name relative to the
 * directory (a descriptor of it, the working directory, a magic link {@code /proc/self/fd/N}, a
 * ".." out of a mount onto it) shows no more than through an absolute path
 * ({@code src/test/c/proc_relative.c}). Red-team report R1 F1, F2: before, as root, a tmpfs (whose
 * root's inode is 1, as a procfs root's) holding a second procfs and a bind of its seccheck's
 * directory let the program read seccheck's environ and open its mem O_RDWR by each route (the
 * tmpfs was taken for the procfs's root, the mount point's name "d" for a process's); and, as root
 * and as uid 65534, a program that joined a rootless container of its user read the container's
 * process 1's environ through a bind of its /proc/1 on a tmpfs, or over the container's /proc/sys
 * (named "sys", no process). Natively each route reads.
 */
class ProcRelativeRoutesTest {

    private static final String PROGRAM = "src/test/c/proc_relative.c";

    /** What the program prints under seccheck, aimed at seccheck or at a process outside the run. */
    private static final String SECOND_REFUSED = """
            second procfs dirfd environ = EACCES
            second procfs cwd environ = EACCES
            second procfs cwd maps = EACCES
            second procfs cwd mem O_RDWR = EACCES
            second procfs magic link environ = EACCES
            second procfs dotdot environ = EACCES
            second procfs direct cwd environ = EACCES
            own direct cwd environ = READ
            """;

    /** What root reads natively through the same routes. */
    private static final String SECOND_READ = SECOND_REFUSED.replace("= EACCES\n", "= READ\n")
            .replace("mem O_RDWR = READ", "mem O_RDWR = OPEN");

    /** What the program prints under seccheck about the container's process 1. */
    private static final String CONTAINER_REFUSED = """
            tmpfs bind dirfd environ = EACCES
            tmpfs bind cwd environ = EACCES
            tmpfs bind magic link environ = EACCES
            tmpfs bind dotdot environ = EACCES
            over sys dirfd environ = EACCES
            over sys cwd environ = EACCES
            over sys magic link environ = EACCES
            over sys dotdot environ = EACCES
            """;

    /** What it reads natively: the container's secret. */
    private static final String CONTAINER_READ = CONTAINER_REFUSED.replace("= EACCES\n", "= SECRET\n");

    @TempDir
    Path tmp;

    @RegisterExtension
    final OutsideProcess outside = new OutsideProcess();

    @Test
    void seccheckInASecondProcfsIsRefusedByEveryRelativeRouteAsRoot() throws Exception {
        Path program = PackagedCli.compiledFor(tmp, false, PROGRAM);
        assertThat(run(false, program, "native", false, "second", "parent")).as("natively, the test's JVM")
                .isEqualTo(SECOND_READ);
        PackagedCli.Result under = result(false, program, "under", true, "second", "parent");
        assertThat(under.out()).as("under seccheck, seccheck").isEqualTo(SECOND_REFUSED);
        assertThat(under.err()).as("the line of a refusal of a part of a procfs that cannot be placed")
                .contains("/environ: its procfs's root is not above the directory");
    }

    @Test
    void anOutsideProcessInASecondProcfsIsRefusedByEveryRelativeRouteAsRoot() throws Exception {
        Path program = PackagedCli.compiledFor(tmp, false, PROGRAM);
        String pid = outside.start(false, "sleep", List.of("env", "SECRET=rootkey", "sleep", "300"));
        assertThat(run(false, program, "native", false, "second", pid)).as("natively")
                .isEqualTo(SECOND_READ.replace("environ = READ", "environ = SECRET")
                        .replace("own direct cwd environ = SECRET", "own direct cwd environ = READ"));
        assertThat(run(false, program, "under", true, "second", pid)).as("under seccheck").isEqualTo(SECOND_REFUSED);
    }

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aContainersProcessIsRefusedByEveryRelativeRoute(boolean nobody) throws Exception {
        Path program = PackagedCli.compiledFor(tmp, nobody, PROGRAM);
        String unshare = outside.start(nobody, "unshare", List.of("unshare", "--user", "--map-root-user", "--pid", "--fork",
                "--mount-proc", "--kill-child", "env", "SECRET=in-the-container", "sleep", "300"));
        // The container is ready once its process 1 runs sleep, after unshare mounted its /proc.
        PackagedCli.await("the container's sleep", Duration.ofSeconds(10), () -> {
            String children = Files.readString(Path.of("/proc", unshare, "task", unshare, "children")).strip();
            return !children.isEmpty()
                    && Files.readString(Path.of("/proc", children, "comm")).strip().equals("sleep");
        });
        assertThat(run(nobody, program, "native", false, "container", unshare)).as("natively")
                .isEqualTo(CONTAINER_READ);
        assertThat(run(nobody, program, "under", true, "container", unshare)).as("under seccheck")
                .isEqualTo(CONTAINER_REFUSED);
    }

    /** Runs the program in {@code mode} against {@code target} with its mount points in a fresh directory {@code tmp/name}. */
    private String run(boolean nobody, Path program, String name, boolean under, String mode, String target)
            throws Exception {
        return result(nobody, program, name, under, mode, target).out();
    }

    /** {@link #run}'s output and errors. */
    private PackagedCli.Result result(boolean nobody, Path program, String name, boolean under, String mode,
            String target) throws Exception {
        Path dir = tmp.resolve(name);
        if (nobody) {
            PackagedCli.nobodysDir(dir);
        } else {
            Files.createDirectory(dir);
        }
        List<String> command = new ArrayList<>(List.of(program.toString(), dir.toString(), mode, target));
        return nobody
                ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, PackagedCli.nobodyClasspath(), under, command)
                : PackagedCli.nativeOrUnderSeccheck(tmp, under, command);
    }
}

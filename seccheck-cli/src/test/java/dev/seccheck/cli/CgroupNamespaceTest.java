package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program in a cgroup namespace of its own cannot move a process out of it through seccheck
 * (red-team round 23). Under {@code nsdelegate} the kernel checks a write to {@code cgroup.procs}
 * against the cgroup namespace of the file's opener: both cgroups must be below its root. Opened
 * by seccheck's thread, that was seccheck's namespace, and the move went through
 * ({@code cgroup_ns_move.c}: into cgroup a, a namespace rooted there, then its own pid into
 * b/cgroup.procs). Natively first, where the move fails with ENOENT. As root, on the cgroup v2
 * hierarchy, which the test gives {@code nsdelegate} for its length when it lacks it (systemd
 * mounts it so; the option is the hierarchy's, so this changes it machine-wide meanwhile).
 */
class CgroupNamespaceTest {

    @TempDir
    Path tmp;

    @Test
    void aMoveOutOfTheProgramsCgroupNamespaceIsRefusedAsNatively() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "root");
        Optional<String[]> cgroup2 = cgroup2Mount();
        Assumptions.assumeTrue(cgroup2.isPresent(), "a cgroup v2 hierarchy");
        Path mountPoint = Path.of(cgroup2.get()[0]);
        List<String> options = new ArrayList<>(Arrays.asList(cgroup2.get()[1].split(",")));
        options.removeAll(List.of("rw", "ro"));
        Path program = CPrograms.compile("src/test/c/cgroup_ns_move.c", tmp.toRealPath());
        Path base = mountPoint.resolve("seccheck-test-" + ProcessHandle.current().pid());
        Path a = base.resolve("a");
        Path b = base.resolve("b");
        boolean toggled = !options.contains("nsdelegate");
        try {
            if (toggled) {
                remount(program, mountPoint, join(options, "nsdelegate"));
            }
            Files.createDirectories(a);
            Files.createDirectories(b);
            List<String> command = List.of(program.toString(), a.toString(), b.toString());
            for (boolean under : new boolean[] {false, true}) {
                PackagedCli.Result r = PackagedCli.nativeOrUnderSeccheck(tmp, under ? "under" : "native", null, under,
                        command, under ? new Path[] {Files.writeString(tmp.resolve("policy.json"), Policies.OPEN_FILE_KEYS)}
                                : new Path[0]);
                assertThat(r.out()).as(under ? "under seccheck: " + r.err() : "natively")
                        .isEqualTo("moved out: No such file or directory\nin /\n");
            }
        } finally {
            Files.deleteIfExists(a);
            Files.deleteIfExists(b);
            Files.deleteIfExists(base);
            if (toggled) {
                remount(program, mountPoint, String.join(",", options));
            }
        }
    }

    /** The mount point and superblock options of the first cgroup v2 mount in this process's mountinfo. */
    private static Optional<String[]> cgroup2Mount() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] halves = line.split(" - ", 2);
            String[] after = halves.length == 2 ? halves[1].split(" ") : new String[0];
            if (after.length >= 3 && after[0].equals("cgroup2")) {
                return Optional.of(new String[] {halves[0].split(" ")[4], after[2]});
            }
        }
        return Optional.empty();
    }

    private static String join(List<String> options, String more) {
        List<String> all = new ArrayList<>(options);
        all.add(more);
        return String.join(",", all);
    }

    private static void remount(Path program, Path mountPoint, String options) throws Exception {
        Process p = new ProcessBuilder(program.toString(), "remount", mountPoint.toString(), options)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("remount " + mountPoint + " with \"" + options + "\": " + out).isZero();
    }
}

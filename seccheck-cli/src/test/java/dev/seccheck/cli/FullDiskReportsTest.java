package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * seccheck's own files on a full disk (a 64 KiB tmpfs filled before seccheck starts) say that
 * they were not written. Before, {@code run --summary -o FILE} left the file empty, printed
 * nothing and ended with status 0. Now the run's end says the summary could not be written, and
 * why, and its closing line counts the points it lost, as the text sink does for its lines.
 * Mounting needs root; seccheck runs as root and as uid 65534.
 */
class FullDiskReportsTest {

    @TempDir
    Path tmp;

    private final List<Path> mounted = new ArrayList<>();

    /** Mounts a 64 KiB tmpfs every user may write to at {@code tmp/name} and fills it. */
    private Path fullDisk(boolean nobody, String name) throws Exception {
        assumeThat(new com.sun.security.auth.module.UnixSystem().getUid()).as("root, to mount a tmpfs").isZero();
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path disk = Files.createDirectory(tmp.resolve(name));
        command("mount", "-t", "tmpfs", "-o", "size=64k,mode=1777", "tmpfs", disk.toString());
        mounted.add(disk);
        command("sh", "-c", "cat /dev/zero > " + disk.resolve("fill") + " 2>/dev/null; true");
        return disk;
    }

    @AfterEach
    void unmount() throws Exception {
        for (Path disk : mounted) {
            command("umount", disk.toString());
        }
    }

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aSummaryTheDiskDidNotTakeIsSaidAtTheRunsEnd(boolean nobody) throws Exception {
        Path file = fullDisk(nobody, "disk").resolve("summary.txt");

        ProcessResult r = ProcessResult.of(cli(nobody, "run", "--quiet", "--root",
                tmp.resolve(nobody ? "root-nobody" : "root").toString(), "--summary", "-o", file.toString(), "--",
                "/bin/sh", "-c", "for i in 1 2 3 4 5; do true < /etc/hostname; done"), tmp, 120);

        assertThat(r.out()).as(r.out())
                .contains("seccheck: the summary could not be written to " + file + ": No space left on device")
                .containsPattern("run \\S+ ended: exit status 0; session \"\\S+\" sink \"summary\" dropped [1-9]\\d* points");
        assertThat(r.code()).isZero();
    }

    /** The CLI's command line with {@code args}: as this user, or as uid 65534. */
    private static List<String> cli(boolean nobody, String... args) {
        if (nobody) {
            return PackagedCli.asNobody(PackagedCli.nobodyClasspath(), args);
        }
        List<String> cmd = PackagedCli.java(System.getProperty("java.class.path"), "-XX:+DisableAttachMechanism",
                "-XX:TieredStopAtLevel=1");
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static void command(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", String.join(" ", command), out).isZero();
    }
}

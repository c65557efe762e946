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
 * nothing and ended with status 0; {@code server --out FILE} wrote none of the messages it
 * received, and said nothing ({@code dropped=0}). Now the run's end says the summary could not be
 * written, and why, and its closing line counts the points it lost, as the text sink does for its
 * lines; the server says once that writing its file failed, and why, counts the messages it could
 * not write in each connection's {@code dropped=}, and ends with status 1.
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

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aServerThatCannotWriteItsFileSaysSoAndCountsTheMessages(boolean nobody) throws Exception {
        Path file = fullDisk(nobody, "disk").resolve("server.log");
        Path sock = tmp.resolve("mon.sock");
        Path serverLog = tmp.resolve("server.err");
        Process server = new ProcessBuilder(cli(nobody, "server", "--endpoint", sock.toString(), "--format", "text",
                "--out", file.toString())).directory(tmp.toFile()).redirectErrorStream(true)
                .redirectOutput(serverLog.toFile()).start();
        try {
            ServerCommandTest.awaitLine(serverLog, "listening on", server);
            Path config = Files.writeString(tmp.resolve("remote.json"), """
                    {"name": "monitor", "points": [{"name": "syscall/openat/enter", "context_fields": ["process_name"]}],
                     "sinks": [{"name": "remote", "config": {"endpoint": "%s"}}]}""".formatted(sock));
            Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
            ProcessResult r = ProcessResult.of(PackagedCli.run(tmp, nobody, config,
                    List.of("/bin/sh", "-c", "i=0; while [ $i -lt 50 ]; do true < /etc/hostname; i=$((i+1)); done")),
                    tmp, 120);
            assertThat(r.code()).as(r.out()).isZero();
            ServerCommandTest.awaitLine(serverLog, "disconnected", server);
        } finally {
            server.destroy();
            ProcessResult.end(server, 10);
        }
        String log = Files.readString(serverLog);
        assertThat(log).as(log).containsOnlyOnce("writing " + file + " failed")
                .contains("No space left on device")
                .containsPattern("client-0001 disconnected: messages=(\\d+) .* dropped=[1-9]\\d*");
        assertThat(server.exitValue()).as(log).isEqualTo(1);
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

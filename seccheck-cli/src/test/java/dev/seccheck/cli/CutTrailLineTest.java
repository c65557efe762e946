package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A program that has a line of the trail cut short on a full disk, then frees the disk and acts
 * ({@code src/test/c/cut_trail_line.c}): the text sink's JSON lines and the policy sink's alerts
 * are each on a 256 KiB tmpfs the program fills through an unlinked file; with {@code on_drop}
 * "deny" its opens fail while a line does not fit, one of those lines is written in part, and a
 * close() frees the disk. Before, the fragment stayed and the next line, the open of
 * /etc/passwd, was appended to it ({@code {"poin{"point":"syscall/openat/enter",...}}): jq stops
 * there and the later records are hidden. Now every line of either file parses, and the open's
 * record is there. Mounting needs root; seccheck runs as root and as uid 65534.
 */
class CutTrailLineTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aLineCutOnAFullDiskLeavesTheNextRecordWhole(boolean nobody) throws Exception {
        assumeThat(new com.sun.security.auth.module.UnixSystem().getUid()).as("root, to mount a tmpfs").isZero();
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path program = CPrograms.compile("src/test/c/cut_trail_line.c", tmp);
        Path textDisk = Files.createDirectory(tmp.resolve("text-disk"));
        Path alertDisk = Files.createDirectory(tmp.resolve("alert-disk"));
        Path straceDisk = Files.createDirectory(tmp.resolve("strace-disk"));
        List<Path> mounted = new ArrayList<>();
        try {
            for (Path disk : List.of(textDisk, alertDisk, straceDisk)) {
                command("mount", "-t", "tmpfs", "-o", "size=256k,mode=1777", "tmpfs", disk.toString());
                mounted.add(disk);
            }
            Path trail = textDisk.resolve("trail.json");
            Path alerts = alertDisk.resolve("alerts.json");
            Path calls = straceDisk.resolve("trail.log");
            Path config = Files.writeString(tmp.resolve("session.json"), """
                    {"name": "trail",
                     "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"],
                                 "context_fields": ["group_id", "process_name"]},
                                {"name": "syscall/openat/exit", "context_fields": ["group_id", "process_name"]}],
                     "sinks": [
                       {"name": "text", "config": {"path": "%s", "format": "json", "on_drop": "deny"}},
                       {"name": "text", "config": {"path": "%s", "on_drop": "deny"}},
                       {"name": "policy", "config": {"path": "%s", "on_drop": "deny", "rules": [
                         {"point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "/etc/*"}},
                          "action": "log"}]}}]}""".formatted(trail, calls, alerts));
            Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));

            ProcessResult r = ProcessResult.of(PackagedCli.run(tmp, nobody, config,
                    List.of(program.toString(), textDisk.toString(), alertDisk.toString(), straceDisk.toString())),
                    tmp, 120);

            assertThat(r.out()).as(r.out()).containsPattern("while full ok=\\d+ failed=[1-9]\\d*; secret fd opened")
                    .containsPattern("sink \"text\" dropped [1-9]\\d* points")
                    .containsPattern("sink \"policy\" dropped [1-9]\\d* points");
            // The strace-like lines: one call a line, the open of /etc/passwd whole with its result.
            List<String> callLines = Files.readAllLines(calls);
            assertThat(callLines).as("lines of %s with two calls", calls)
                    .noneMatch(l -> l.indexOf("openat(") != l.lastIndexOf("openat("));
            assertThat(callLines).as("%s holds the open of /etc/passwd", calls)
                    .anyMatch(l -> l.matches(".*openat\\(AT_FDCWD, \"/etc/passwd\", O_RDONLY\\) = \\d+$"));
            List<String> broken = new ArrayList<>();
            for (Path file : List.of(trail, alerts)) {
                List<String> lines = Files.readAllLines(file);
                for (String line : lines) {
                    try {
                        JSON.readTree(line);
                    } catch (Exception e) {
                        broken.add(file.getFileName() + ": " + line);
                    }
                }
                assertThat(lines).as("%s holds the open of /etc/passwd", file)
                        .anySatisfy(l -> assertThat(l).contains("\"/etc/passwd\""));
            }
            assertThat(broken).as("lines that are no JSON").isEmpty();
        } finally {
            for (Path disk : mounted) {
                command("umount", disk.toString());
            }
        }
    }

    private static void command(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", String.join(" ", command), out).isZero();
    }
}

package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two runs append to one trail file ({@code -o}-like text sink, JSON, on_drop "deny") on an 8 MiB
 * tmpfs that a thread of the test fills for 10 ms and frees for 30 ms, over and over, while each
 * run's program opens /etc/hostname every 300 us for 8 s ({@code src/test/c/shared_trail_opens.c}). Each
 * open that succeeded had its line written, so the file must hold, for each program, one whole
 * JSON line per successful open (and blank lines where a failed write's part was blanked).
 * Before, each run cut a failed write back to the size it had read before it, with a lock of its
 * own process only: lines were glued ({@code ..."thread_group_id":15538,"pr{"point":...}) and
 * lines the other run had counted as written were cut. Mounting needs root; seccheck runs as root
 * and as uid 65534.
 */
class SharedTrailFileTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern COUNTS = Pattern.compile("pid (\\d+) ok=(\\d+) denied=(\\d+)");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void twoRunsSharingATrailOnADiskFullNowAndThenWriteEachLineWholeAndOnce(boolean nobody) throws Exception {
        assumeThat(new com.sun.security.auth.module.UnixSystem().getUid()).as("root, to mount a tmpfs").isZero();
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        // Static: a dynamic loader's opens of its libraries fail too while the disk is full.
        Path program = CPrograms.compile("src/test/c/shared_trail_opens.c", tmp, "-static");
        try (TogglingDisk disk = TogglingDisk.mount(tmp.resolve("disk"))) {
            Path trail = disk.path().resolve("shared.json");
            Path config = Files.writeString(tmp.resolve("session.json"), """
                    {"name": "trail",
                     "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"],
                                 "context_fields": ["process_name", "group_id"]}],
                     "sinks": [{"name": "text", "config": {"path": "%s", "format": "json", "on_drop": "deny"}}]}"""
                    .formatted(trail));
            Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
            List<Process> runs = new ArrayList<>();
            List<Path> outs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Path out = tmp.resolve("run" + i + ".out");
                outs.add(out);
                runs.add(new ProcessBuilder(PackagedCli.run(tmp, nobody, config, List.of(program.toString(), "8")))
                        .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(out.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start());
            }
            Map<Long, Long> opened = new HashMap<>();
            long denied = 0;
            for (int i = 0; i < 2; i++) {
                Process p = runs.get(i);
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                String out = Files.readString(outs.get(i));
                Matcher m = COUNTS.matcher(out);
                assertThat(m.find()).as("run %d printed its counts: %s", i, out).isTrue();
                opened.put(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
                denied += Long.parseLong(m.group(3));
            }
            disk.stopToggling();

            Map<Long, Long> lines = new HashMap<>();
            List<String> broken = new ArrayList<>();
            for (String line : Files.readAllLines(trail)) {
                JsonNode j;
                try {
                    j = JSON.readTree(line);
                } catch (IOException e) {
                    broken.add(line.length() > 300 ? line.substring(0, 300) + "..." : line);
                    continue;
                }
                if (line.contains("/etc/hostname")) {
                    lines.merge(j.path("context").path("thread_group_id").asLong(), 1L, Long::sum);
                }
            }
            assertThat(denied).as("opens failed while the disk was full (the test filled it)").isPositive();
            assertThat(broken).as("lines that are no JSON").isEmpty();
            assertThat(lines).as("lines of /etc/hostname per program against the opens that succeeded")
                    .isEqualTo(opened);
        }
    }

    /**
     * A writer outside seccheck ({@code src/test/c/trail_outsider.c}) appends numbered whole lines
     * to a run's trail, with no lock, while the disk fills and frees as above and the run's
     * program opens /etc/hostname every 300 us: every line whose write was whole must be in the
     * file, whole or as the end of a line its own fragment cut (that writer does not clean up).
     * Before, a failed write of seccheck's was cut back to the size the file had before it, and
     * with it the outsider's lines appended in between: 4 to 9 of about 40,000 lost in each of
     * three runs. With the cut made to where seccheck's own part began ({@code OwnFragment}), a
     * line appended between seccheck's last look at the size and its cut was still lost (one, in
     * one run of 9): the part is now blanked where it lies, never cut ({@code LineFile}).
     */
    @Test
    void aWriterOutsideSeccheckKeepsTheLinesItAppendedWhileSeccheckBlanksItsOwn() throws Exception {
        assumeThat(new com.sun.security.auth.module.UnixSystem().getUid()).as("root, to mount a tmpfs").isZero();
        Path program = CPrograms.compile("src/test/c/shared_trail_opens.c", tmp, "-static");
        Path outsider = CPrograms.compile("src/test/c/trail_outsider.c", tmp);
        try (TogglingDisk disk = TogglingDisk.mount(tmp.resolve("disk"))) {
            Path trail = disk.path().resolve("shared.json");
            Path written = tmp.resolve("written.txt");
            Path config = Files.writeString(tmp.resolve("session.json"), """
                    {"name": "trail",
                     "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"]}],
                     "sinks": [{"name": "text", "config": {"path": "%s", "format": "json", "on_drop": "deny"}}]}"""
                    .formatted(trail));
            Process writer = new ProcessBuilder(outsider.toString(), trail.toString(), "9", written.toString())
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("outsider.out").toFile()).start();
            Path out = tmp.resolve("run.out");
            Process run = new ProcessBuilder(PackagedCli.run(tmp, false, config, List.of(program.toString(), "8")))
                    .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            for (Process p : List.of(run, writer)) {
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            disk.stopToggling();
            Matcher m = COUNTS.matcher(Files.readString(out));
            assertThat(m.find()).as("the run printed its counts: %s", Files.readString(out)).isTrue();
            assertThat(Long.parseLong(m.group(3))).as("opens failed while the disk was full (the test filled it)")
                    .isPositive();
            assertThat(writer.exitValue()).as(Files.readString(tmp.resolve("outsider.out"))).isZero();

            Set<String> found = new HashSet<>();
            Matcher line = Pattern.compile("\\{\"outsider\":(\\d+)}$").matcher("");
            for (String l : Files.readAllLines(trail)) {
                if (line.reset(l).find()) {
                    found.add(line.group(1));
                }
            }
            List<String> whole = Files.readAllLines(written);
            assertThat(whole).as("lines the outsider wrote whole").hasSizeGreaterThan(1000);
            assertThat(whole).as("lines the outsider wrote whole that the trail lost").filteredOn(n -> !found.contains(n))
                    .isEmpty();
        }
    }

    /**
     * The program takes a lock of its own on the run's trail (a read-only open and a shared POSIX
     * lock, which excludes seccheck's open file description lock) and keeps it while it opens
     * /etc/hostname 30 times: the run ends, each open's line written. Before, seccheck's first
     * line waited for the lock for good, and the program's checked opens with it: the run hung.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aProgramKeepingALockOnTheTrailDoesNotHoldTheRun(boolean nobody) throws Exception {
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path trail = tmp.resolve("trail.json");
        Path config = Files.writeString(tmp.resolve("session.json"), """
                {"name": "trail",
                 "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"]}],
                 "sinks": [{"name": "text", "config": {"path": "%s", "format": "json"}}]}""".formatted(trail));
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        String program = """
                import fcntl, os, sys
                held = open(sys.argv[1])
                fcntl.lockf(held, fcntl.LOCK_SH)
                for _ in range(30):
                    os.close(os.open("/etc/hostname", os.O_RDONLY))
                print("done", flush=True)
                """;
        Path out = tmp.resolve("run.out");
        Process p = new ProcessBuilder(PackagedCli.run(tmp, nobody, config,
                        List.of("/usr/bin/python3", "-c", program, trail.toString())))
                .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(ended).as("the run ended: %s", Files.readString(out)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(out)).isZero();
        assertThat(Files.readString(out)).contains("done");
        assertThat(Files.readAllLines(trail)).filteredOn(l -> l.contains("\"/etc/hostname\""))
                .as("a line per open of /etc/hostname").hasSize(30)
                .allSatisfy(l -> assertThat(JSON.readTree(l).isObject()).isTrue());
    }

    /** An 8 MiB tmpfs that a thread fills and frees ({@link #toggle}) until it is stopped; closing it unmounts it. */
    private record TogglingDisk(Path path, AtomicBoolean stop, Thread toggler) implements AutoCloseable {
        static TogglingDisk mount(Path dir) throws Exception {
            Files.createDirectory(dir);
            command("mount", "-t", "tmpfs", "-o", "size=8m,mode=1777", "tmpfs", dir.toString());
            AtomicBoolean stop = new AtomicBoolean();
            return new TogglingDisk(dir, stop,
                    Thread.ofPlatform().name("disk-toggler").start(() -> toggle(dir.resolve("filler"), stop)));
        }

        /** Stops filling the disk, and waits until it is free. */
        void stopToggling() throws InterruptedException {
            stop.set(true);
            toggler.join();
        }

        @Override
        public void close() throws Exception {
            stopToggling();
            command("umount", path.toString());
        }
    }

    /** Fills the disk through {@code filler} for 10 ms, then frees it for 30 ms, until {@code stop}. */
    private static void toggle(Path filler, AtomicBoolean stop) {
        byte[] big = new byte[64 * 1024];
        byte[] small = new byte[512];
        while (!stop.get()) {
            try (RandomAccessFile f = new RandomAccessFile(filler.toFile(), "rw")) {
                fill(f, big);
                fill(f, small);
                Thread.sleep(10);
            } catch (IOException | InterruptedException e) {
                return;
            }
            try {
                Files.deleteIfExists(filler);
                Thread.sleep(30);
            } catch (IOException | InterruptedException e) {
                return;
            }
        }
    }

    private static void fill(RandomAccessFile f, byte[] chunk) {
        try {
            while (true) {
                f.write(chunk);
            }
        } catch (IOException full) {
            // ENOSPC: as full as chunks of that size make it.
        }
    }

    private static void command(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", String.join(" ", command), out).isZero();
    }
}

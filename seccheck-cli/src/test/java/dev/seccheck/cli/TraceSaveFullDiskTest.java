package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.seccheck.remote.replay.TraceFile;
import dev.seccheck.remote.replay.TraceReader;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code tracereplay save} on a disk that fills (a 20 KiB tmpfs, a 303-message trace of about 22
 * KB replayed into it) says how many messages its file holds, and the file holds them whole: it
 * replays to its end. Before, the log said "303 messages saved" where the file held 279 and the
 * start of the 280th, which tracereplay replay then stopped at ("trace file truncated in message
 * 280"). Mounting needs root; the saver runs as root and as uid 65534.
 */
class TraceSaveFullDiskTest {

    private static final int MESSAGES = 303;

    @TempDir
    Path tmp;

    private final List<Path> mounted = new ArrayList<>();

    @AfterEach
    void unmount() throws Exception {
        for (Path disk : mounted) {
            command("umount", disk.toString());
        }
    }

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aSaveOnAFullDiskCountsOnlyTheWholeMessagesItsFileHolds(boolean nobody) throws Exception {
        assumeThat(new com.sun.security.auth.module.UnixSystem().getUid()).as("root, to mount a tmpfs").isZero();
        List<String> prefix = new ArrayList<>();
        String classpath = System.getProperty("java.class.path");
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
            prefix.addAll(PackagedCli.nobody());
            classpath = PackagedCli.nobodyClasspath();
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path disk = Files.createDirectory(tmp.resolve("disk"));
        command("mount", "-t", "tmpfs", "-o", "size=20k,mode=1777", "tmpfs", disk.toString());
        mounted.add(disk);
        Path traces = nobody ? PackagedCli.nobodysDir(disk.resolve("traces")) : Files.createDirectory(disk.resolve("traces"));
        Path trace = bigTrace(tmp.resolve("big.trace"));
        Path sock = (nobody ? PackagedCli.nobodysDir(tmp.resolve("sockets")) : tmp).resolve("save.sock");

        List<String> save = new ArrayList<>(prefix);
        save.addAll(PackagedCli.java(classpath));
        save.addAll(List.of("tracereplay", "save", "--endpoint", sock.toString(), "--out", traces.toString()));
        Path err = tmp.resolve("save.err");
        Process p = new ProcessBuilder(save).redirectErrorStream(true).redirectOutput(err.toFile()).start();
        try {
            ServerCommandTest.awaitLine(err, "listening on", p);
            List<String> replay = new ArrayList<>(prefix);
            replay.addAll(PackagedCli.java(classpath));
            replay.addAll(List.of("tracereplay", "replay", "--endpoint", sock.toString(), "--in", trace.toString()));
            PackagedCli.Result r = PackagedCli.run(new ProcessBuilder(replay), tmp, Duration.ofSeconds(60));
            assertThat(r.status()).as(r.err()).isZero();
            ServerCommandTest.awaitLine(err, "failed, stopped", p);
        } finally {
            p.destroy();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        String log = Files.readString(err);
        Matcher m = Pattern.compile("writing \\S+client-0001 failed, stopped: No space left on device: (\\d+) messages"
                + " saved, (\\d+) lost").matcher(log);
        assertThat(m.find()).as(log).isTrue();
        int saved = Integer.parseInt(m.group(1));
        // A failure at a flush before the end says what that write lost; later messages are not saved.
        assertThat(Integer.parseInt(m.group(2))).as(log).isPositive().isLessThanOrEqualTo(MESSAGES - saved);
        assertThat(log).doesNotContain(MESSAGES + " messages saved");
        try (TraceReader back = new TraceReader(Files.newInputStream(traces.resolve("client-0001")))) {
            while (back.next()) {
                // Each message read whole: a cut one throws, naming it.
            }
            assertThat(back.count()).as("whole messages in the file, as the log said").isEqualTo(saved).isPositive();
        }
    }

    /** Writes a trace of {@link #MESSAGES} messages, the fixture's over and over. */
    private static Path bigTrace(Path file) throws Exception {
        List<byte[]> fixture = new ArrayList<>();
        byte[] config;
        try (TraceReader r = new TraceReader(Files.newInputStream(ServerCommandTest.fixture()))) {
            config = r.config();
            while (r.next()) {
                fixture.add(Arrays.copyOf(r.packet(), r.length()));
            }
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            TraceFile.writeHeader(out, config);
            for (int i = 0; i < MESSAGES; i++) {
                TraceFile.writeChunk(out, fixture.get(i % fixture.size()));
            }
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        return file;
    }

    private static void command(String... args) throws Exception {
        Process p = new ProcessBuilder(args).inheritIO().start();
        assertThat(p.waitFor()).as(String.join(" ", args)).isZero();
    }
}

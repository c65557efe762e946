package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files {@code tracereplay save} and {@code server} write and the socket paths they clear,
 * where a hostile program (or the user it runs as) plants links and files for the operator's
 * command, often run as root, to write through or delete.
 */
class TraceSaveFilesTest {
    @TempDir
    Path dir;

    private final List<String> prefix = new ArrayList<>();

    /** Runs the CLI (as uid 65534 when {@link #prefix} says so) with {@code args} and waits for it. */
    private PackagedCli.Result cli(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(PackagedCli.java(System.getProperty("java.class.path")));
        cmd.addAll(List.of(args));
        return PackagedCli.run(new ProcessBuilder(cmd), dir, Duration.ofSeconds(60));
    }

    /** Starts a listening command, replays the fixture to it and stops it with SIGTERM. */
    private String listenReplayStop(Path sock, String classpath, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(PackagedCli.java(classpath));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile(dir, "err", "");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        try {
            ServerCommandTest.awaitLine(err, "listening on", p);
            List<String> replay = new ArrayList<>(prefix);
            replay.addAll(PackagedCli.java(classpath));
            replay.addAll(List.of("tracereplay", "replay", "--endpoint", sock.toString(), "--in",
                    ServerCommandTest.fixture().toString()));
            PackagedCli.Result r = PackagedCli.run(new ProcessBuilder(replay), dir, Duration.ofSeconds(60));
            assertThat(r.status()).as(r.err()).isZero();
            ServerCommandTest.awaitLine(err, "disconnected", p);
        } finally {
            p.destroy();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        return Files.readString(err);
    }

    /**
     * A symlink planted at {@code client-0001} is skipped, not written through, and a second save
     * into the same directory takes the next free number instead of truncating the first's file.
     * Before, root truncated and overwrote the symlink's target, and the second save truncated
     * client-0001.
     */
    @Test
    void savesCreateNewFilesNeverThroughALinkNorOverAnEarlierSave() throws Exception {
        savesIntoAPlantedDirectory(System.getProperty("java.class.path"), dir.resolve("traces"));
    }

    /** The same as uid 65534, in a directory of its own (the sticky-free checks pass for its owner). */
    @Test
    void savesAsAnUnprivilegedUserCreateNewFilesToo() throws Exception {
        PackagedCli.assumeNobody(dir);
        String classpath = PackagedCli.nobodyClasspath();
        prefix.addAll(PackagedCli.nobody());
        Path sockets = PackagedCli.nobodysDir(dir.resolve("sockets"));
        Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwx--x--x"));
        savesIntoAPlantedDirectory(classpath, PackagedCli.nobodysDir(dir.resolve("traces")));
    }

    private void savesIntoAPlantedDirectory(String classpath, Path traces) throws Exception {
        Files.createDirectories(traces);
        Path victim = Files.writeString(dir.resolve("victim"), "IMPORTANT DATA");
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.createSymbolicLink(traces.resolve("client-0001"), victim);
        Path sock = (prefix.isEmpty() ? dir : dir.resolve("sockets")).resolve("s");
        String first = listenReplayStop(sock, classpath, "tracereplay", "save", "--endpoint", sock.toString(),
                "--out", traces.toString());
        assertThat(first).contains("writing " + traces.resolve("client-0002"));
        String second = listenReplayStop(sock, classpath, "tracereplay", "save", "--endpoint", sock.toString(),
                "--out", traces.toString());
        assertThat(second).contains("writing " + traces.resolve("client-0003"));
        assertThat(Files.readString(victim)).isEqualTo("IMPORTANT DATA");
        byte[] fixture = Files.readAllBytes(ServerCommandTest.fixture());
        assertThat(Files.readAllBytes(traces.resolve("client-0002"))).isEqualTo(fixture);
        assertThat(Files.readAllBytes(traces.resolve("client-0003"))).isEqualTo(fixture);
    }

    /**
     * A directory another user controls is refused before anything listens: writable by others
     * without the sticky bit, or (as root) owned by uid 65534; a regular file is not a directory.
     * A sticky world-writable one of the saver's is fine. Before, all were written into.
     */
    @Test
    void aDirectoryAnotherUserControlsIsRefused() throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        PackagedCli.Result r = cli("tracereplay", "save", "--endpoint", dir.resolve("s").toString(), "--out",
                open.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("seccheck tracereplay save: " + open
                + ": writable by others without the sticky bit: they could replace the files saved there\n");
        Path file = Files.writeString(dir.resolve("file"), "x");
        r = cli("tracereplay", "save", "--endpoint", dir.resolve("s").toString(), "--out", file.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("seccheck tracereplay save: " + file + ": is not a directory\n");
        if (new com.sun.security.auth.module.UnixSystem().getUid() == 0) {
            Path theirs = PackagedCli.nobodysDir(dir.resolve("theirs"));
            r = cli("tracereplay", "save", "--endpoint", dir.resolve("s").toString(), "--out", theirs.toString());
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.err()).contains(theirs + ": owned by uid 65534, not by the user saving (uid 0) or root");
        }
        Path sticky = Files.createDirectory(dir.resolve("sticky"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        Path sock = dir.resolve("s");
        listenReplayStop(sock, System.getProperty("java.class.path"), "tracereplay", "save", "--endpoint",
                sock.toString(), "--out", sticky.toString());
        assertThat(sticky.resolve("client-0001")).isRegularFile();
    }

    /**
     * A regular file or an empty directory at {@code --endpoint} is refused and left alone, for
     * {@code server} and {@code tracereplay save}; an empty endpoint says so. Before, both were
     * deleted (connecting to them fails with ECONNREFUSED, taken for a stale socket).
     */
    @Test
    void anEndpointThatIsNotASocketIsRefusedAndKept() throws Exception {
        Path file = Files.writeString(dir.resolve("audit.log"), "months of audit log");
        Path empty = Files.createDirectory(dir.resolve("emptydir"));
        Path traces = Files.createDirectory(dir.resolve("traces"));
        for (Path p : List.of(file, empty)) {
            for (List<String> command : List.of(List.of("server", "--endpoint", p.toString()),
                    List.of("tracereplay", "save", "--endpoint", p.toString(), "--out", traces.toString()))) {
                PackagedCli.Result r = cli(command.toArray(String[]::new));
                assertThat(r.status()).as(command.toString()).isEqualTo(1);
                assertThat(r.err()).as(command.toString()).endsWith(": " + p + " exists and is not a socket\n");
            }
        }
        assertThat(Files.readString(file)).isEqualTo("months of audit log");
        assertThat(empty).isEmptyDirectory();
        PackagedCli.Result r = cli("server", "--endpoint", "");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("seccheck server: --endpoint: empty endpoint, give a socket path\n");
    }

    /** A restarted {@code server --out FILE} appends to the trail; before, it truncated it. */
    @Test
    void aRestartedServerAppendsToItsOutput() throws Exception {
        Path out = dir.resolve("trail.txt");
        Path sock = dir.resolve("s");
        for (int run = 1; run <= 2; run++) {
            listenReplayStop(sock, System.getProperty("java.class.path"), "server", "--endpoint", sock.toString(),
                    "--out", out.toString());
            assertThat(Files.readAllLines(out)).as("after run %d", run).hasSize(10 * run);
        }
    }
}

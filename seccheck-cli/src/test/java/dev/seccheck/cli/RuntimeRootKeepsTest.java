package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.control.RunRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The runtime root belongs to the operator: seccheck removes only the directories of runs it
 * made, and a program of one run cannot take the other runs, or the next ones, from the operator.
 * Before, {@code seccheck list --root DIR} deleted every entry of a 0700 directory whose name looked
 * like a run id (a file, a whole project tree) and {@code run --id NAME} deleted an existing
 * {@code DIR/NAME}; and a program that removed another run's directory and made the root 0755 left
 * the operator with {@code list} and every new run refused ("has mode 0755, not 0700") and that run
 * out of reach ("no run named") while it went on. As root and as uid 65534.
 */
class RuntimeRootKeepsTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void listAndRunRemoveOnlyTheDirectoriesOfRunsAndLeaveTheUsersFilesAlone(boolean nobody) throws Exception {
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
        }
        Path root = dir(nobody, tmp.resolve("home"));
        Path main = write(nobody, dir(nobody, dir(nobody, root.resolve("project")).resolve("src")).resolve("main.c"),
                "int main(){}\n");
        Path notes = write(nobody, root.resolve("notes.txt"), "notes\n");
        Path secrets = write(nobody, dir(nobody, root.resolve("private")).resolve("key"), "k\n");
        // The directory of a run whose supervisor died: its record names a process that is gone.
        Path stale = dir(nobody, root.resolve("old"));
        write(nobody, stale.resolve("run.json"), deadRecord("old"));

        PackagedCli.Result list = operator(nobody, "list", "--root", root.toString());

        assertThat(list.status()).as(list.err()).isZero();
        assertThat(Files.readString(main)).isEqualTo("int main(){}\n");
        assertThat(Files.readString(notes)).isEqualTo("notes\n");
        assertThat(Files.readString(secrets)).isEqualTo("k\n");
        assertThat(Files.exists(stale, LinkOption.NOFOLLOW_LINKS)).as(list.err()).isFalse();
        assertThat(list.err()).contains("removing stale runtime directory " + stale,
                root.resolve("notes.txt") + " is not a seccheck run; left alone",
                root.resolve("project") + " is not a seccheck run; left alone",
                root.resolve("private") + " is not a seccheck run; left alone");
        assertThat(list.err().lines().filter(l -> l.contains("notes.txt"))).hasSize(1);

        Path kept = write(nobody, dir(nobody, dir(nobody, root.resolve("keep")).resolve("sub")).resolve("file"), "data\n");
        PackagedCli.Result run = operator(nobody, "run", "--quiet", "--root", root.toString(), "--id", "keep",
                "-o", "/dev/null", "--", "true");

        assertThat(run.status()).as(run.err()).isNotZero();
        assertThat(run.err()).contains(root.resolve("keep") + " is not a seccheck run");
        assertThat(Files.readString(kept)).isEqualTo("data\n");
        assertThat(Files.readString(main)).isEqualTo("int main(){}\n");
        assertThat(Files.readString(notes)).isEqualTo("notes\n");
        try (Stream<Path> s = Files.list(root)) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("project", "notes.txt", "private", "keep");
        }
    }

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aProgramThatRemovesAnotherRunsDirectoryAndOpensTheRootTakesNothingFromTheOperator(boolean nobody)
            throws Exception {
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
        }
        Path root = dir(nobody, tmp.resolve("root"));
        Path stop = tmp.resolve("stop");
        Path bOut = tmp.resolve("b.out");
        List<String> b = new ArrayList<>(cli(nobody));
        b.addAll(List.of("run", "--quiet", "--root", root.toString(), "--id", "b", "-o", "/dev/null", "--",
                "/bin/sh", "-c", "while [ ! -e " + stop + " ]; do /bin/sleep 0.05; done"));
        String aSaid = "";
        Process runB = new ProcessBuilder(b).redirectErrorStream(true).redirectOutput(bOut.toFile()).start();
        try {
            WorkloadControlTest.awaitServing(root.resolve("b").resolve("control.sock"));

            PackagedCli.Result runA = operator(nobody, "run", "--quiet", "--root", root.toString(), "--id", "a",
                    "-o", "/dev/null", "--", "/bin/sh", "-c",
                    "rm -rf " + root.resolve("b") + " && chmod 755 " + root + " && echo done");
            assertThat(runA.status()).as(runA.err()).isZero();
            assertThat(runA.out()).isEqualTo("done\n");

            // Run A itself, removing its directory at its end, and run B, making its own again, find
            // the root open: whichever comes first sets it back (said below).
            PackagedCli.Result list = operator(nobody, "list", "--root", root.toString());
            assertThat(list.status()).as(list.err()).isZero();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwx------");
            PackagedCli.await("run b to be listed again", Duration.ofSeconds(30),
                    () -> listed(nobody, root, "b"));
            PackagedCli.Result trace = operator(nobody, "trace", "list", "--root", root.toString(), "b");
            assertThat(trace.status()).as(trace.err()).isZero();
            assertThat(trace.out()).contains("SESSIONS (1)");
            PackagedCli.Result next = operator(nobody, "run", "--quiet", "--root", root.toString(), "-o", "/dev/null",
                    "--", "/bin/true");
            assertThat(next.status()).as(next.err()).isZero();
            assertThat(runB.isAlive()).isTrue();
            // The operator's own commands set it back too.
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
            PackagedCli.Result again = operator(nobody, "trace", "list", "--root", root.toString(), "b");
            assertThat(again.out()).as(again.err()).contains("SESSIONS (1)");
            assertThat(again.err()).contains(modeSetBack(root));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwx------");
            aSaid = runA.err();
        } finally {
            Files.writeString(stop, "");
            if (!runB.waitFor(30, TimeUnit.SECONDS)) {
                runB.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        String said = Files.readString(bOut);
        assertThat(runB.exitValue()).as(said).isZero();
        assertThat(said).contains("seccheck: run b: its runtime directory " + root.resolve("b")
                + " was removed or replaced; published it again");
        assertThat(aSaid + said).contains(modeSetBack(root));
        assertThat(Files.exists(root.resolve("b"), LinkOption.NOFOLLOW_LINKS)).as("b's directory after its end").isFalse();
    }

    private static String modeSetBack(Path root) {
        return "seccheck: the runtime directory " + root + " had mode 0755 (a program of yours may have changed it): "
                + "set back to 0700";
    }

    private boolean listed(boolean nobody, Path root, String id) {
        try {
            return operator(nobody, "list", "--root", root.toString()).out().lines().anyMatch(l -> l.startsWith(id + " "));
        } catch (Exception e) {
            return false;
        }
    }

    /** A record naming a process that has exited. */
    private static String deadRecord(String id) throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        RunRecord r = new RunRecord(id, p.pid(), 1, List.of("x"), Instant.now());
        return """
                {"id": "%s", "pid": %d, "pid_start_ticks": %d, "command": ["x"], "started": "%s"}"""
                .formatted(id, r.pid(), r.pidStartTicks(), r.started());
    }

    /** Makes directory {@code d}, mode 0700, of the user the test runs seccheck as. */
    private static Path dir(boolean nobody, Path d) throws Exception {
        return nobody ? PackagedCli.nobodysDir(d)
                : Files.createDirectory(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    private static Path write(boolean nobody, Path file, String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.UTF_8);
        if (nobody) {
            Files.setOwner(file, file.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName(Integer.toString(PackagedCli.NOBODY)));
        }
        return file;
    }

    /** The command that starts the CLI, as uid 65534 when {@code nobody}. */
    private static List<String> cli(boolean nobody) {
        List<String> java = PackagedCli.java(PackagedCli.nobodyClasspath());
        return nobody ? PackagedCli.nobody(java.toArray(String[]::new)) : java;
    }

    /** The operator's {@code seccheck ARGS}, as uid 65534 when {@code nobody}. */
    private PackagedCli.Result operator(boolean nobody, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(cli(nobody));
        cmd.addAll(List.of(args));
        return PackagedCli.run(new ProcessBuilder(cmd), tmp, Duration.ofSeconds(60));
    }
}

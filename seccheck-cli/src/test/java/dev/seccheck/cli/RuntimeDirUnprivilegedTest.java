package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.control.RunRecord;
import dev.seccheck.linux.UnixSeqpacket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import dev.seccheck.cli.PackagedCli.Result;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged CLI run as uid 65534 against a runtime directory ({@code $XDG_RUNTIME_DIR/seccheck})
 * that another user prepared: another uid's directory, a symbolic link, a dangling one, a planted
 * stale run made of links, a planted socket. Each is refused or skipped with a message saying
 * what is wrong, and no file outside the runtime directory is touched.
 */
class RuntimeDirUnprivilegedTest {

    private static final int NOBODY = PackagedCli.NOBODY;

    @TempDir
    Path tmp;

    private String classpath;
    private Path xdg;
    private Path victimDir;
    private Path victim;
    private final FileTime victimTime = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));

    @BeforeEach
    void setUp() throws Exception {
        classpath = PackagedCli.forNobody(tmp);

        xdg = nobodysDir(tmp.resolve("xdg"));
        victimDir = nobodysDir(tmp.resolve("victim"));
        victim = Files.writeString(victimDir.resolve("precious.txt"), "keep me");
        Files.setOwner(victim, nobody());
        Files.setLastModifiedTime(victim, victimTime);
    }

    @Test
    void aRuntimeDirectoryOfAnotherUserIsRefusedAndTheProgramDoesNotRun() throws Exception {
        Path root = Files.createDirectory(xdg.resolve("seccheck"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Path marker = xdg.resolve("ran");

        Result run = asNobody("run", "--quiet", "--", "touch", marker.toString());
        Result list = asNobody("list");

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).startsWith("seccheck run: the runtime directory " + root + " belongs to uid 0, not to you (uid "
                + NOBODY + "): another user may have created it to intercept your runs.")
                .contains("choose another directory with --root or XDG_RUNTIME_DIR");
        assertThat(marker).doesNotExist();
        assertThat(list.status()).isEqualTo(1);
        assertThat(list.err()).contains("belongs to uid 0, not to you");
        try (Stream<Path> s = Files.list(root)) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void aSymbolicLinkAsTheRuntimeDirectoryIsRefusedAndItsTargetUntouched() throws Exception {
        Path link = lchown(Files.createSymbolicLink(xdg.resolve("seccheck"), victimDir));

        Result run = asNobody("run", "--quiet", "--", "true");

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).startsWith("seccheck run: the runtime directory " + link + " is a symbolic link (to " + victimDir + ").");
        assertVictimUntouched();
    }

    @Test
    void aDanglingSymbolicLinkIsRefusedAndNothingIsCreatedAtItsTarget() throws Exception {
        Path target = xdg.resolve("planted-target");
        Path link = Files.createSymbolicLink(xdg.resolve("seccheck"), target);

        Result run = asNobody("run", "--quiet", "--", "true");

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).startsWith("seccheck run: the runtime directory " + link + " is a symbolic link (to " + target + ").");
        assertThat(Files.exists(target, LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    /** Links are nothing a run writes there: no run's directory, left alone, nothing followed. */
    @Test
    void aPlantedStaleRunOfLinksIsLeftAloneWithoutTouchingTheirTargets() throws Exception {
        Path root = nobodysDir(xdg.resolve("seccheck"));
        Path stale = plantStaleRun(root, "old");

        Result list = asNobody("list");

        assertThat(list.status()).as(list.err()).isZero();
        assertThat(list.err()).contains(stale + " is not a seccheck run; left alone");
        assertThat(Files.isSymbolicLink(stale.resolve("sub"))).isTrue();
        assertVictimUntouched();

        Result run = asNobody("run", "--id", "old", "--quiet", "--", "true");
        assertThat(run.status()).as(run.err()).isEqualTo(1);
        assertThat(run.err()).contains(stale + " is not a seccheck run: it is no directory seccheck made for a run");
        assertVictimUntouched();
    }

    @Test
    void aSocketPlantedByAnotherUserInARunDirectoryGetsNoRequest() throws Exception {
        Path root = nobodysDir(xdg.resolve("seccheck"));
        // A run directory another user (root) planted, naming a live pid, with its own socket.
        Path fake = Files.createDirectory(root.resolve("fake"));
        Files.write(fake.resolve("run.json"), recordOfThisProcess("fake"));
        try (UnixSeqpacket planted = UnixSeqpacket.listen(fake.resolve("control.sock"), 8)) {
            Files.setPosixFilePermissions(fake.resolve("control.sock"), PosixFilePermissions.fromString("rwxrwxrwx"));
            planted.nonBlocking(true);

            Result r = asNobody("trace", "list", "fake");

            // A directory of another user's is no run of this user's: not even looked into.
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.err()).contains("no run named \"fake\"");
            assertThat(planted.accept()).as("a connection to the planted socket").isNull();
        }
    }

    private byte[] recordOfThisProcess(String id) throws Exception {
        RunRecord r = RunRecord.forThisProcess(id, List.of("fake"));
        return """
                {"id": "%s", "pid": %d, "pid_start_ticks": %d, "command": ["fake"], "started": "%s"}"""
                .formatted(id, r.pid(), r.pidStartTicks(), r.started()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private Path plantStaleRun(Path root, String id) throws Exception {
        Path stale = nobodysDir(root.resolve(id));
        for (String name : List.of("run.json", "run.json.tmp", "control.sock")) {
            lchown(Files.createSymbolicLink(stale.resolve(name), victim));
        }
        lchown(Files.createSymbolicLink(stale.resolve("sub"), victimDir));
        return stale;
    }

    private void assertVictimUntouched() throws Exception {
        assertThat(Files.readString(victim)).isEqualTo("keep me");
        assertThat(Files.getLastModifiedTime(victim)).isEqualTo(victimTime);
        try (Stream<Path> s = Files.list(victimDir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("precious.txt");
        }
    }

    private static java.nio.file.attribute.UserPrincipal nobody() throws Exception {
        return java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(
                Integer.toString(NOBODY));
    }

    /** Gives a link itself (not its target) to uid 65534, as if that user had planted it. */
    private static Path lchown(Path link) throws Exception {
        Files.getFileAttributeView(link, java.nio.file.attribute.PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setOwner(nobody());
        return link;
    }

    private static Path nobodysDir(Path dir) throws Exception {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setOwner(dir, nobody());
        return dir;
    }

    private Result asNobody(String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(PackagedCli.asNobody(classpath, args));
        pb.environment().put("XDG_RUNTIME_DIR", xdg.toString());
        return PackagedCli.run(pb, tmp, Duration.ofSeconds(120));
    }
}

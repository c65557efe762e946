package dev.seccheck.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runtime directory another user prepared is refused, and nothing outside the runtime
 * directory is ever written or deleted through a link planted inside it.
 */
class RuntimeRootSafetyTest {

    @TempDir
    Path tmp;

    private final List<String> log = new ArrayList<>();
    private final int me = RuntimeRoot.currentUid();
    private Path victimDir;
    private Path victim;
    private FileTime victimTime;

    @BeforeEach
    void victim() throws Exception {
        victimDir = Files.createDirectory(tmp.resolve("victim"));
        victim = Files.writeString(victimDir.resolve("precious.txt"), "keep me");
        victimTime = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        Files.setLastModifiedTime(victim, victimTime);
    }

    private void assertVictimUntouched() throws Exception {
        assertThat(Files.readString(victim)).isEqualTo("keep me");
        assertThat(Files.getLastModifiedTime(victim)).isEqualTo(victimTime);
        try (Stream<Path> s = Files.list(victimDir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("precious.txt");
        }
    }

    private RunRecord record(String id) throws Exception {
        return RunRecord.forThisProcess(id, List.of("true"));
    }

    @Test
    void aDirectoryOfAnotherUserIsRefusedWithTheFix() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("root"), PrivateDir.PRIVATE_DIR);
        RuntimeRoot posing = new RuntimeRoot(dir, me + 1);

        assertThatThrownBy(() -> posing.create(record("a"), log::add))
                .isInstanceOf(ControlException.class)
                .hasMessageStartingWith("the runtime directory " + dir + " belongs to uid " + me + ", not to you (uid "
                        + (me + 1) + "): another user may have created it to intercept your runs.")
                .hasMessageContaining("Remove it, or choose another directory with --root or XDG_RUNTIME_DIR");
        assertThatThrownBy(() -> posing.list(log::add)).hasMessageContaining("belongs to uid " + me);
        assertThatThrownBy(() -> posing.find("a")).hasMessageContaining("belongs to uid " + me);
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s).isEmpty();
        }
    }

    /**
     * A directory of ours that others can enter (a program of this user can chmod it) is made
     * private again; what another user put in it meanwhile is no run, and never followed.
     */
    @Test
    void aDirectoryOfOursOthersCanEnterIsMadePrivateAndWhatOthersAddedIsNoRun() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("root"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path planted = Files.createDirectory(dir.resolve("planted"));
        Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(planted.resolve("run.json"), new String(record("planted").toJson(),
                java.nio.charset.StandardCharsets.UTF_8));

        assertThat(new RuntimeRoot(dir).list(log::add)).isEmpty();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(log).contains("the runtime directory " + dir + " had mode 0777 (a program of yours may have changed it): "
                + "set back to 0700", planted + " is not a seccheck run; left alone");
        assertThat(planted.resolve("run.json")).exists();
        assertThatThrownBy(() -> new RuntimeRoot(dir).find("planted")).hasMessageContaining("no run named \"planted\"");
    }

    @Test
    void aSymbolicLinkIsRefusedEvenToADirectoryOfOurOwn() throws Exception {
        Files.setPosixFilePermissions(victimDir, PosixFilePermissions.fromString("rwx------"));
        Path link = Files.createSymbolicLink(tmp.resolve("root"), victimDir);

        assertThatThrownBy(() -> new RuntimeRoot(link).create(record("a"), log::add))
                .hasMessageStartingWith("the runtime directory " + link + " is a symbolic link (to " + victimDir + ").");
        assertThatThrownBy(() -> new RuntimeRoot(link).list(log::add)).hasMessageContaining("is a symbolic link");
        assertVictimUntouched();
    }

    @Test
    void aDanglingSymbolicLinkIsRefusedAndNothingIsCreatedAtItsTarget() throws Exception {
        Path target = tmp.resolve("attacker-target");
        Path link = Files.createSymbolicLink(tmp.resolve("root"), target);

        assertThatThrownBy(() -> new RuntimeRoot(link).create(record("a"), log::add))
                .hasMessageStartingWith("the runtime directory " + link + " is a symbolic link (to " + target + ").");
        assertThat(target).doesNotExist();
    }

    /** Links are nothing a run writes: the directory is no run's, left alone, and no link is followed. */
    @Test
    void aStaleRunMadeOfLinksIsLeftAloneWithoutTouchingTheirTargets() throws Exception {
        RuntimeRoot root = new RuntimeRoot(tmp.resolve("root"));
        root.create(record("live"), log::add);
        Path stale = Files.createDirectory(root.path().resolve("old"));
        Files.createSymbolicLink(stale.resolve("run.json"), victim);
        Files.createSymbolicLink(stale.resolve("run.json.tmp"), victim);
        Files.createSymbolicLink(stale.resolve(RuntimeRoot.SOCKET), victim);
        Files.createSymbolicLink(stale.resolve("sub"), victimDir);
        Path linkedRun = Files.createSymbolicLink(root.path().resolve("linked"), victimDir);

        assertThat(root.list(log::add)).extracting(RunRecord::id).containsExactly("live");

        assertThat(Files.isSymbolicLink(stale.resolve("sub"))).isTrue();
        assertThat(Files.isSymbolicLink(linkedRun)).isTrue();
        assertThat(log).contains(stale + " is not a seccheck run; left alone", linkedRun + " is not a seccheck run; left alone");
        assertVictimUntouched();
    }

    @Test
    void aNewRunRefusesANameTakenByAPlantedLinkAndWritesItsRecordInsideTheRootOnly() throws Exception {
        RuntimeRoot root = new RuntimeRoot(tmp.resolve("root"));
        root.create(record("first"), log::add);
        Path link = Files.createSymbolicLink(root.path().resolve("job"), victimDir);

        assertThatThrownBy(() -> root.create(record("job"), log::add)).isInstanceOf(ControlException.class)
                .hasMessageStartingWith(link + " is not a seccheck run: it is no directory seccheck made for a run");
        Path dir = root.create(record("job2"), log::add);

        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(dir.resolve("run.json")).isRegularFile();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("run.json")))).isEqualTo("rw-------");
        assertThat(root.list(log::add)).extracting(RunRecord::id).containsExactlyInAnyOrder("first", "job2");
        assertVictimUntouched();
    }

    @Test
    void aControlSocketThatIsALinkOrAFileIsRefused() throws Exception {
        RuntimeRoot root = new RuntimeRoot(tmp.resolve("root"));
        Path dir = root.create(record("r"), log::add);
        Files.createSymbolicLink(dir.resolve(RuntimeRoot.SOCKET), victim);

        assertThatThrownBy(() -> root.find("r"))
                .hasMessage(dir.resolve(RuntimeRoot.SOCKET) + " is not a socket; remove the run directory " + dir);
        Files.delete(dir.resolve(RuntimeRoot.SOCKET));
        Files.writeString(dir.resolve(RuntimeRoot.SOCKET), "");
        assertThatThrownBy(() -> root.find("r")).hasMessageContaining("is not a socket");
        assertVictimUntouched();
    }

    @Test
    void theFallbackIsAPerUserDirectoryInTmpWhenXdgRuntimeDirIsUnset() {
        assertThat(RuntimeRoot.defaultPath(null, 1000)).isEqualTo(Path.of("/tmp/seccheck-1000"));
        assertThat(RuntimeRoot.defaultPath("", 1000)).isEqualTo(Path.of("/tmp/seccheck-1000"));
        assertThat(RuntimeRoot.defaultPath(tmp.resolve("missing").toString(), 1000)).isEqualTo(Path.of("/tmp/seccheck-1000"));
        assertThat(RuntimeRoot.defaultPath(tmp.toString(), 1000)).isEqualTo(tmp.resolve("seccheck"));
        assertThat(RuntimeRoot.defaultPath(null, 0)).isEqualTo(Path.of("/run/seccheck"));
    }
}

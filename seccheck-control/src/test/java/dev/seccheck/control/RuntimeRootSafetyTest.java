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

    @Test
    void aDirectoryOthersCanEnterIsRefused() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("root"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));

        assertThatThrownBy(() -> new RuntimeRoot(dir).create(record("a"), log::add))
                .hasMessage("the runtime directory " + dir + " has mode 0755, not 0700: other users could reach your runs "
                        + "through it. Fix it with: chmod 0700 " + dir);
        assertThat(dir.resolve("a")).doesNotExist();
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

    @Test
    void aStaleRunMadeOfLinksIsRemovedLinkByLinkWithoutTouchingTheirTargets() throws Exception {
        RuntimeRoot root = new RuntimeRoot(tmp.resolve("root"));
        root.create(record("live"), log::add);
        Path stale = Files.createDirectory(root.path().resolve("old"));
        Files.createSymbolicLink(stale.resolve("run.json"), victim);
        Files.createSymbolicLink(stale.resolve("run.json.tmp"), victim);
        Files.createSymbolicLink(stale.resolve(RuntimeRoot.SOCKET), victim);
        Files.createSymbolicLink(stale.resolve("sub"), victimDir);
        Path linkedRun = Files.createSymbolicLink(root.path().resolve("linked"), victimDir);

        assertThat(root.list(log::add)).extracting(RunRecord::id).containsExactly("live");

        assertThat(stale).doesNotExist();
        assertThat(Files.exists(linkedRun, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(log).contains("removing stale runtime directory " + stale, "removing stale runtime directory " + linkedRun);
        assertVictimUntouched();
    }

    @Test
    void aNewRunReplacesAPlantedLinkAndWritesItsRecordInsideTheRootOnly() throws Exception {
        RuntimeRoot root = new RuntimeRoot(tmp.resolve("root"));
        root.create(record("first"), log::add);
        Files.createSymbolicLink(root.path().resolve("job"), victimDir);

        Path dir = root.create(record("job"), log::add);

        assertThat(Files.isSymbolicLink(dir)).isFalse();
        assertThat(dir.resolve("run.json")).isRegularFile();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("run.json")))).isEqualTo("rw-------");
        assertThat(root.list(log::add)).extracting(RunRecord::id).containsExactlyInAnyOrder("first", "job");
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

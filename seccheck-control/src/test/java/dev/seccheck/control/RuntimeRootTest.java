package dev.seccheck.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.linux.UnixSeqpacket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeRootTest {

    @TempDir
    Path tmp;

    private final List<String> log = new ArrayList<>();

    @Test
    void createsAPrivateDirectoryPerRunAndListsLiveRuns() throws Exception {
        RuntimeRoot root = new RuntimeRoot(tmp.resolve("root"));
        Path dir = root.create(RunRecord.forThisProcess("web-1", List.of("sleep", "10")), log::add);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.path()))).isEqualTo("rwx------");
        assertThat(root.list(log::add)).extracting(RunRecord::id).containsExactly("web-1");
        try (UnixSeqpacket _ = UnixSeqpacket.listen(dir.resolve(RuntimeRoot.SOCKET), 1)) {
            assertThat(root.socketOf("web-1")).isEqualTo(dir.resolve(RuntimeRoot.SOCKET));
        }
    }

    @Test
    void refusesASecondLiveRunWithTheSameId() throws Exception {
        RuntimeRoot root = new RuntimeRoot(tmp.resolve("root"));
        root.create(RunRecord.forThisProcess("job", List.of("a")), log::add);

        assertThatThrownBy(() -> root.create(RunRecord.forThisProcess("job", List.of("b")), log::add))
                .isInstanceOf(ControlException.class)
                .hasMessageContaining("a run named \"job\" is already running (pid " + ProcessHandle.current().pid() + ")");
    }

    @Test
    void cleansTheDirectoryOfARunWhoseSupervisorDied() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long deadPid = p.pid();
        RuntimeRoot root = new RuntimeRoot(tmp.resolve("root"));
        Path stale = root.create(new RunRecord("old", deadPid, 12345, List.of("x"), Instant.now()), log::add);
        UnixSeqpacket.listen(stale.resolve(RuntimeRoot.SOCKET), 1).close();
        Path kept = root.create(new RunRecord("kept", deadPid, 12345, List.of("x"), Instant.now()), log::add);
        Files.writeString(kept.resolve("leftover"), "x");

        assertThat(root.list(log::add)).isEmpty();
        assertThat(stale).doesNotExist();
        assertThat(log).anyMatch(l -> l.contains("removing stale runtime directory") && l.contains("old"));
        assertThatThrownBy(() -> root.socketOf("old")).hasMessageContaining("no run named \"old\"");
        // Something a run does not write there: not a directory seccheck can tell it made, left alone.
        assertThat(kept.resolve("leftover")).hasContent("x");
        assertThat(log).contains(kept + " is not a seccheck run; left alone");
    }

    @Test
    void aListRacingACreateNeverRemovesTheNewRun() throws Exception {
        RuntimeRoot root = new RuntimeRoot(tmp.resolve("root"));
        root.create(RunRecord.forThisProcess("first", List.of("x")), log::add);
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        List<String> lister = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread listing = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                try {
                    root.list(lister::add);
                } catch (Exception e) {
                    lister.add("list failed: " + e);
                }
            }
        });
        try {
            for (int i = 0; i < 200; i++) {
                RunRecord record = RunRecord.forThisProcess("run-" + i, List.of("x"));
                Path dir = root.create(record, log::add);
                assertThat(dir.resolve("run.json")).as("run %d's record after create", i).exists();
                assertThat(root.live()).extracting(RunRecord::id).as("live runs after run %d's create", i).contains("run-" + i);
                root.remove(record);
            }
        } finally {
            done.set(true);
            listing.join(java.time.Duration.ofSeconds(30));
        }
        assertThat(lister).as("what the racing list said").isEmpty();
    }

    @Test
    void aReusedPidWithAnotherStartTimeIsNotTheRun() throws Exception {
        long self = ProcessHandle.current().pid();
        RuntimeRoot root = new RuntimeRoot(tmp.resolve("root"));
        RunRecord impostor = new RunRecord("reused", self, dev.seccheck.linux.Procfs.startTicks(self).orElseThrow() + 1, List.of("x"), Instant.now());
        root.create(impostor, log::add);

        assertThatThrownBy(() -> root.socketOf("reused")).hasMessageContaining("is not running any more");
    }

    @Test
    void rejectsIdsThatCouldEscapeTheRoot() {
        for (String bad : List.of("../etc", "a/b", "", ".hidden", "x".repeat(65))) {
            assertThatThrownBy(() -> RuntimeRoot.checkId(bad)).isInstanceOf(ControlException.class)
                    .hasMessageContaining("invalid run id");
        }
    }
}

package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.PathCalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How {@link DescriptorRoom} tells a full table, and which opens {@link OpenEmulation} asks it about. */
class DescriptorRoomTest {

    @Test
    void aTableWithEveryDescriptorBelowTheLimitIsFull() {
        assertThat(DescriptorRoom.hasRoom(3, List.of("0", "1", "2"))).isFalse();
        assertThat(DescriptorRoom.hasRoom(4, List.of("0", "1", "2"))).isTrue();
    }

    @Test
    void aHoleBelowTheLimitIsRoom() {
        assertThat(DescriptorRoom.hasRoom(3, List.of("0", "2", "7"))).isTrue();
    }

    /** Descriptors opened before the limit was lowered take no slot below it. */
    @Test
    void descriptorsPastTheLimitDoNotCount() {
        assertThat(DescriptorRoom.hasRoom(2, List.of("0", "1", "5", "9"))).isFalse();
        assertThat(DescriptorRoom.hasRoom(3, List.of("0", "1", "5", "9"))).isTrue();
    }

    @Test
    void aZeroLimitHasNoRoom() {
        assertThat(DescriptorRoom.hasRoom(0, List.of())).isFalse();
    }

    /** This JVM's own table, read through /proc, has room (its limit is far above what it holds). */
    @Test
    void thisProcessHasRoom() {
        int self = (int) ProcessHandle.current().pid();
        assertThat(DescriptorRoom.full(new PathCalls(), self)).isFalse();
    }

    /**
     * A process whose three descriptors (its standard ones) fill its limit of 3 is full; with a
     * limit of 4 it has room. Read as the kernel gives them: its limit and its table in /proc.
     */
    @Test
    void aProcessAtItsLimitIsFull() throws Exception {
        assertThat(fullAt(3)).isTrue();
        assertThat(fullAt(4)).isFalse();
    }

    private static boolean fullAt(int limit) throws Exception {
        Process p = new ProcessBuilder("sleep", "30").start();
        try {
            int pid = (int) p.pid();
            // Asleep (state S: in its nanosleep, which the dynamic loader before it never is), sleep
            // holds its standard three descriptors alone. Before, three descriptors were waited for
            // alone: seen right after the exec, before the loader opened libc, the limit of 3 then
            // failed that open and sleep died (3 of 400 runs beside two busy loops; 0 of 400 now).
            Path fds = Path.of("/proc/" + pid + "/fd");
            for (int i = 0; i < 500 && !(asleep(pid) && fdCount(fds) == 3); i++) {
                Thread.sleep(10);
            }
            assertThat(asleep(pid)).as("sleep is in its nanosleep").isTrue();
            assertThat(fdCount(fds)).isEqualTo(3);
            Process set = new ProcessBuilder("prlimit", "--pid", Integer.toString(pid), "--nofile=" + limit).inheritIO().start();
            assertThat(set.waitFor()).isZero();
            return DescriptorRoom.full(new PathCalls(), pid);
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    /** Whether process {@code pid} runs sleep and is asleep (state S in /proc/PID/stat). */
    private static boolean asleep(int pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.contains("(sleep) ") && stat.charAt(stat.lastIndexOf(')') + 2) == 'S';
    }

    private static long fdCount(Path fds) throws Exception {
        try (var s = Files.list(fds)) {
            return s.count();
        }
    }

    /** A task that is gone is not called full: the install then says what became of the call. */
    @Test
    void aTaskGoneIsNotFull() {
        assertThat(DescriptorRoom.full(new PathCalls(), Integer.MAX_VALUE)).isFalse();
    }

    private static final PathCalls.Stat REGULAR = stat(0100644);
    private static final PathCalls.Stat DIRECTORY = stat(040755);
    private static final PathCalls.Stat FIFO = stat(010644);

    private static PathCalls.Stat stat(int mode) {
        return new PathCalls.Stat(1, 2, mode, 0, 0, 0, 1, 12, 0, 0);
    }

    private static PathWalk.Located.Found found(PathCalls.Stat st) {
        return new PathWalk.Located.Found(-1, st, false, -1, null);
    }

    /** The common opens, of an existing file or directory that nothing alters, are not checked. */
    @Test
    void openingAnExistingFileUnalteredHasNoEffect() {
        assertThat(OpenEmulation.hasEffect(0, found(REGULAR))).isFalse(); // O_RDONLY
        assertThat(OpenEmulation.hasEffect(02 | 0100 | 02000, found(REGULAR))).isFalse(); // O_RDWR|O_CREAT|O_APPEND
        assertThat(OpenEmulation.hasEffect(01000, found(DIRECTORY))).isFalse(); // O_TRUNC of a directory: EISDIR
        assertThat(OpenEmulation.hasEffect(0100, new PathWalk.Located.Missing(-1, "x", false)))
                .as("O_CREAT of a missing name").isTrue();
        assertThat(OpenEmulation.hasEffect(0, new PathWalk.Located.Missing(-1, "x", false))).isFalse(); // ENOENT
        assertThat(OpenEmulation.hasEffect(0, new PathWalk.Located.Failed(2))).isFalse();
    }

    @Test
    void truncatingMakingATmpfileOrOpeningAFifoHasAnEffect() {
        assertThat(OpenEmulation.hasEffect(01 | 01000, found(REGULAR))).isTrue(); // O_WRONLY|O_TRUNC
        assertThat(OpenEmulation.hasEffect(02 | 020200000, found(DIRECTORY))).isTrue(); // O_RDWR|O_TMPFILE
        assertThat(OpenEmulation.hasEffect(0, found(FIFO))).isTrue();
        assertThat(OpenEmulation.hasEffect(0, found(null))).as("a file whose fstat failed").isTrue();
    }
}

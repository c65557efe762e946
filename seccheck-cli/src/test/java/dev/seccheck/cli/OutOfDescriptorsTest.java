package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An open by a program out of descriptors (every slot below its RLIMIT_NOFILE taken) creates and
 * truncates nothing: the kernel reserves the descriptor before it looks at the path, and fails
 * with EMFILE. seccheck opened the file first and installed it after, so the open failed with
 * EMFILE (as the trail said) having created the file or emptied it (a red team's emfile.c). The
 * same opens with room must create and truncate, natively and under seccheck, or the test proves nothing.
 * An accept performed under a deciding sink took the connection first and lost it the same way.
 */
class OutOfDescriptorsTest {

    /**
     * Natively, and under seccheck, with a full table: four refusals, nothing made, the 12 bytes
     * kept; and opens that fail anyway fail with EMFILE first (before, under seccheck, with their
     * own errors: the path was walked before the table was looked at).
     */
    private static final String FULL = """
            open O_CREAT|O_EXCL: EMFILE
            open O_TRUNC: EMFILE
            creat: EMFILE
            openat2 O_CREAT: EMFILE
            made: 0 creat: 0 openat2: 0 old size: 12
            open missing: EMFILE
            open under a file: EMFILE
            open O_NOFOLLOW of a link: EMFILE
            open O_EXCL of a file: EMFILE
            open a directory for writing: EMFILE
            """;

    /** With room: the same opens create and truncate. */
    private static final String ROOM = """
            open O_CREAT|O_EXCL: ok
            open O_TRUNC: ok
            creat: ok
            openat2 O_CREAT: ok
            made: 1 creat: 1 openat2: 1 old size: 0
            open missing: No such file or directory
            open under a file: Not a directory
            open O_NOFOLLOW of a link: Too many levels of symbolic links
            open O_EXCL of a file: File exists
            open a directory for writing: Is a directory
            """;

    /** Natively, and under seccheck: the connection waits for the accept with room. */
    private static final String ACCEPTS = """
            accept out of descriptors: EMFILE
            accept with room: ok
            """;

    @TempDir
    Path tmp;

    @Test
    void anAcceptOutOfDescriptorsLeavesTheConnectionQueued() throws Exception {
        Path program = CPrograms.compile("src/test/c/emfile_accept.c", tmp);
        Path config = Files.writeString(tmp.resolve("accepts.json"), Policies.ACCEPTS);
        List<String> command = List.of(program.toString());
        assertThat(PackagedCli.nativeOrUnderSeccheck(tmp, false, command).out()).isEqualTo(ACCEPTS);
        assertThat(PackagedCli.nativeOrUnderSeccheck(tmp, true, command, config).out()).isEqualTo(ACCEPTS);
    }

    /** The same with seccheck and its program as uid 65534. */
    @Test
    void anAcceptOutOfDescriptorsLeavesTheConnectionQueuedUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        Path program = CPrograms.compile("src/test/c/emfile_accept.c", tmp);
        Path config = Files.writeString(tmp.resolve("accepts.json"), Policies.ACCEPTS);
        List<String> command = List.of(program.toString());
        assertThat(PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, false, command).out()).isEqualTo(ACCEPTS);
        assertThat(PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, true, command, config).out())
                .isEqualTo(ACCEPTS);
    }

    @Test
    void anOpenOutOfDescriptorsCreatesAndTruncatesNothing() throws Exception {
        Path program = CPrograms.compile("src/test/c/emfile_effects.c", tmp);
        Path dir = Files.createDirectory(tmp.resolve("files"));
        List<String> full = List.of(program.toString(), dir.toString(), "full");
        List<String> room = List.of(program.toString(), dir.toString(), "room");
        assertThat(PackagedCli.nativeOrUnderSeccheck(tmp, false, full).out()).isEqualTo(FULL);
        assertThat(PackagedCli.nativeOrUnderSeccheck(tmp, false, room).out()).isEqualTo(ROOM);

        Path trail = tmp.resolve("trail.txt");
        assertThat(underSeccheckWithTrail(full, trail)).isEqualTo(FULL);
        // The exit point says what happened: the truncating open failed, and the file kept its bytes.
        assertThat(Files.readString(trail))
                .contains("openat(AT_FDCWD, \"" + dir + "/old\", O_WRONLY|O_TRUNC) = -1 EMFILE")
                .contains("creat(\"" + dir + "/creat\", 0600) = -1 EMFILE");
        assertThat(underSeccheckWithTrail(room, trail)).isEqualTo(ROOM);
        assertThat(Files.readString(trail)).containsPattern("openat\\(AT_FDCWD, \"" + dir + "/old\", O_WRONLY\\|O_TRUNC\\) = \\d+");
    }

    /** The same with seccheck and its program as uid 65534. */
    @Test
    void anOpenOutOfDescriptorsCreatesAndTruncatesNothingUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        Path program = CPrograms.compile("src/test/c/emfile_effects.c", tmp);
        Path dir = PackagedCli.nobodysDir(tmp.resolve("u"));
        List<String> full = List.of(program.toString(), dir.toString(), "full");
        List<String> room = List.of(program.toString(), dir.toString(), "room");
        assertThat(PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, false, full).out()).isEqualTo(FULL);
        assertThat(PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, true, full).out()).isEqualTo(FULL);
        assertThat(PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, false, room).out()).isEqualTo(ROOM);
        assertThat(PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, true, room).out()).isEqualTo(ROOM);
    }

    /** Runs {@code command} under the built-in session, its text trail in {@code trail}; returns what it printed. */
    private String underSeccheckWithTrail(List<String> command, Path trail) throws Exception {
        Files.deleteIfExists(trail);
        List<String> cmd = new ArrayList<>(PackagedCli.java(System.getProperty("java.class.path")));
        cmd.addAll(List.of("run", "--quiet", "-o", trail.toString(), "--root", tmp.resolve("root").toString(), "--"));
        cmd.addAll(command);
        var result = PackagedCli.run(new ProcessBuilder(cmd), tmp, Duration.ofSeconds(120));
        assertThat(result.status()).as("under seccheck: " + result.out() + result.err()).isZero();
        return result.out();
    }
}

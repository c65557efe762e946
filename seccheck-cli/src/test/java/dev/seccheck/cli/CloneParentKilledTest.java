package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process killed while it makes CLONE_PARENT children: the kernel skips the clone event of a
 * creator being killed, so seccheck learns of such a child only from its first stop, and must end
 * it (it cannot record what the child inherits). It waited for its creator to be gone, judged by
 * the child's parent; a CLONE_PARENT child's parent is its creator's parent, alive and waiting for
 * it, so the child stayed stopped for good and the run never ended (before: 3 of 3 runs hung, as
 * root and as uid 65534). Now a child no creator claims within two seconds, while nothing else is
 * pending, is ended with a line (natively it runs on). The program is {@code src/test/c/clone_parent_killed.c}; each
 * case runs natively too.
 */
class CloneParentKilledTest {

    private static final String ROUNDS = "100";
    /** Under seccheck the children it ended count among those SIGKILL ended. */
    private static final String REAPED = "reaped more than the rounds, at least the rounds by SIGKILL\n";

    @TempDir
    Path tmp;

    @Test
    void theRunEnds() throws Exception {
        Path program = CPrograms.compile("src/test/c/clone_parent_killed.c", tmp, "-pthread");
        for (boolean underSeccheck : new boolean[] {false, true}) {
            Path dir = Files.createDirectory(tmp.resolve(underSeccheck ? "under" : "native"));
            PackagedCli.Result r = PackagedCli.nativeOrUnderSeccheck(dir, underSeccheck, List.of(program.toString(), ROUNDS));
            assertThat(r.out()).as((underSeccheck ? "under seccheck: " : "natively: ") + r.err()).isEqualTo(REAPED);
        }
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void theRunEndsUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        String classpath = PackagedCli.nobodyClasspath();
        Path program = CPrograms.compile("src/test/c/clone_parent_killed.c", tmp, "-pthread");
        for (boolean underSeccheck : new boolean[] {false, true}) {
            PackagedCli.Result r = PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, underSeccheck,
                    List.of(program.toString(), ROUNDS));
            assertThat(r.out()).as((underSeccheck ? "under seccheck as uid 65534: " : "natively as uid 65534: ") + r.err())
                    .isEqualTo(REAPED);
        }
    }
}

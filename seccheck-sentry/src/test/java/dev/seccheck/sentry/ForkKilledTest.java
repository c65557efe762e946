package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.sentry.testing.CWorkloads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process killed while it forks: the kernel makes the child, traced, but skips the fork event
 * of a process being killed, so the tracer meets a child that stopped with no event from its
 * creator ({@code src/test/c/fork_killed.c}, 200 rounds). Natively every such child runs and
 * exits. Under seccheck, which lets a new task run only once its creator's event recorded what it
 * inherits, such a child is ended (its creator is gone, no event will come); before, about one in
 * ten rounds left one stopped until the run ended, and a later task given a stopped one's number
 * kept its creator stopped for good (the run never ended).
 */
class ForkKilledTest {

    @TempDir
    Path dir;

    @Test
    void aChildWhoseCreatorWasKilledWhileForkingIsNotLeftStopped() throws Exception {
        Path program = CWorkloads.binary("fork_killed");
        Process p = new ProcessBuilder(program.toString(), "200").redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(p.getInputStream().readAllBytes()).strip()).as("natively").isEqualTo("left 0");

        SupervisorTest.Run r = new SupervisorTest.Run("syscall/openat/enter");
        Path out = dir.resolve("out");
        assertThat(Supervised.Background.start(r.sup, List.of("/bin/sh", "-c", "exec '" + program + "' 200 > '" + out + "'"))
                .await(120, "fork_killed")).isZero();
        assertThat(Files.readString(out).strip()).as("under seccheck: %s", r.warnings).isEqualTo("left 0");
    }
}

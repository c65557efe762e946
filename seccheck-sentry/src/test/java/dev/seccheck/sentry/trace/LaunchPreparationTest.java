package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.sentry.SentryException;
import dev.seccheck.sentry.defense.Guard;
import dev.seccheck.sentry.filter.FilterAction;
import dev.seccheck.sentry.filter.Fragment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A launch whose preparation fails after the spawn was prepared (its filter cannot be made)
 * fails with the reason, spawns nothing, and leaves no hold directory (Spawn's FIFO) behind in
 * the temporary directory. Before, each such launch left one.
 */
class LaunchPreparationTest {

    @Test
    void aFilterThatCannotBeMadeFailsTheLaunchAndLeavesNoHoldBehind() throws Exception {
        Set<Integer> manyThreads = new HashSet<>();
        for (int i = 0; i < 5_000; i++) {
            manyThreads.add(100_000 + i); // a thread list the kernel's 4,096 instructions cannot hold
        }
        Guard tooLong = new Guard((int) ProcessHandle.current().pid(), 1, manyThreads, false);
        int before = holds();
        Launch l = Launch.start("/bin/true", List.of("true"), List.of(), "/", new int[] {0, 1, 2},
                new FilterAction[0], tooLong, Fragment.EMPTY);
        assertThatThrownBy(() -> l.attach(null, false)).isInstanceOf(SentryException.class)
                .hasMessageStartingWith("cannot start true: ")
                .rootCause().hasMessageStartingWith("seccomp program too long: ");
        assertThat(holds()).isEqualTo(before);
    }

    /** This JVM's holds: another test JVM (a second fork) launches with holds of its own meanwhile. */
    private static int holds() throws IOException {
        String mine = "seccheck-hold-" + ProcessHandle.current().pid() + "-";
        try (Stream<Path> all = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return (int) all.filter(p -> p.getFileName().toString().startsWith(mine)).count();
        }
    }
}

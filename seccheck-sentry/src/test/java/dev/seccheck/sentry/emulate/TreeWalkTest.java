package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_DIRECTORY;
import static dev.seccheck.abi.Fcntl.O_RDONLY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.PathCalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A walk below a moved directory holds a descriptor per level on the way down, however wide the
 * tree, and at most {@link TreeWalk#HELD} however deep; it gives every name below the top once. A
 * directory moved out from under it, found when the walk climbs back by "..", or swapped for
 * another between its listing and its entry, ends it with a reason (the caller then fails closed)
 * instead of walking the other. (The end-to-end moves are WideTreeMoveTest, in the CLI's tests.)
 */
class TreeWalkTest {

    @TempDir
    Path tmp;

    private final PathCalls calls = new PathCalls();

    private int open(Path dir) {
        int fd = calls.openat(AT_FDCWD, dir.toString(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assertThat(fd).as("open " + dir).isNotNegative();
        return fd;
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /** What a walk of a whole tree gave: the paths, and the most descriptors it held at once. */
    private record Walked(Set<String> names, long mostHeld) {}

    /** Walks the whole tree below {@code top}, entering every directory. */
    private Walked walk(Path top) throws IOException {
        long before = openDescriptors();
        long most = 0;
        Set<String> seen = new HashSet<>();
        try (TreeWalk walk = new TreeWalk(calls, open(top), true)) {
            for (TreeWalk.Entry e = walk.next(); e != null; e = walk.next()) {
                assertThat(seen.add(e.rel())).as("given once: " + e.rel()).isTrue();
                assertThat(e.stat()).as(e.rel()).isNotNull();
                if (e.stat().isDirectory()) {
                    assertThat(walk.enter(e)).as(walk.why()).isTrue();
                }
                most = Math.max(most, openDescriptors() - before);
            }
            assertThat(walk.why()).isNull();
        }
        assertThat(openDescriptors()).as("all closed").isEqualTo(before);
        return new Walked(seen, most);
    }

    @Test
    void aWalkOfAWideTreeHoldsADescriptorPerLevelAndGivesEveryName() throws IOException {
        Path top = Files.createDirectory(tmp.resolve("top"));
        Set<String> made = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            Files.createDirectories(top.resolve(i + "/in"));
            Files.writeString(top.resolve(i + "/in/f"), "");
            made.addAll(Set.of(Integer.toString(i), i + "/in", i + "/in/f"));
        }
        Walked w = walk(top);
        assertThat(w.names()).isEqualTo(made);
        assertThat(w.mostHeld()).as("descriptors held: the top, a subdirectory and its own").isLessThanOrEqualTo(3);
    }

    @Test
    void aWalkOfADeepTreeHoldsAtMostItsCapAndClimbsBackByDotDot() throws IOException {
        Path top = Files.createDirectory(tmp.resolve("top"));
        Set<String> made = new HashSet<>();
        String rel = "";
        for (int depth = 0; depth < 100; depth++) {
            rel = rel.isEmpty() ? "d" : rel + "/d";
            Files.createDirectories(top.resolve(rel));
            Files.writeString(top.resolve(rel + "/f"), ""); // listed after d: the walk climbs back to each level
            made.addAll(Set.of(rel, rel + "/f"));
        }
        Walked w = walk(top);
        assertThat(w.names()).isEqualTo(made);
        assertThat(w.mostHeld()).isEqualTo(TreeWalk.HELD);
    }

    @Test
    void aDirectoryMovedOutFromUnderTheWalkEndsItWhenItClimbsBack() throws IOException {
        Path top = Files.createDirectory(tmp.resolve("top"));
        Path deepest = Files.createDirectories(
                top.resolve("c1/c2/c3/c4/c5/c6/c7/c8/c9/c10/c11/c12/c13/c14/c15/c16/c17/c18"));
        try (TreeWalk walk = new TreeWalk(calls, open(top), true)) {
            TreeWalk.Entry e = walk.next();
            while (e != null && !e.rel().equals(top.relativize(deepest).toString())) {
                assertThat(walk.enter(e)).isTrue();
                e = walk.next();
            }
            assertThat(e).isNotNull();
            // Deeper than the descriptors held: back up past them, the walk takes c1 again by ".."
            // from c2, which is elsewhere by then.
            Files.move(top.resolve("c1/c2"), tmp.resolve("elsewhere"));
            while (e != null) {
                e = walk.next();
            }
            assertThat(walk.why()).isEqualTo("a directory below it (c1/c2) was moved while it was walked");
        }
    }

    @Test
    void aDirectorySwappedBetweenItsListingAndItsEntryEndsTheWalk() throws IOException {
        Path top = Files.createDirectories(tmp.resolve("top/a"));
        top = top.getParent();
        try (TreeWalk walk = new TreeWalk(calls, open(top), true)) {
            TreeWalk.Entry e = walk.next();
            assertThat(e.rel()).isEqualTo("a");
            Files.move(top.resolve("a"), tmp.resolve("elsewhere"));
            Files.createDirectory(top.resolve("a"));
            assertThat(walk.enter(e)).isFalse();
            assertThat(walk.why()).isEqualTo("a directory below it (a) was replaced while it was walked");
            assertThat(walk.next()).isNull();
        }
    }
}

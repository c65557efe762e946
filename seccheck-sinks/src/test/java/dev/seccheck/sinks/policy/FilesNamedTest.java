package dev.seccheck.sinks.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.sink.ReachedFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files a path matcher names by device and inode, at load and after later renames and links. */
class FilesNamedTest {

    @TempDir
    Path tmp;

    @Test
    void aFileReplacedByRenameAfterTheLoadIsNamedOnceLinkedElsewhere() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("etc"));
        Path shadow = Files.writeString(dir.resolve("shadow"), "old");
        for (Matcher m : List.<Matcher>of(new Matcher.Exact(shadow.toString()), Matcher.Glob.of(dir + "/shadow*"),
                new Matcher.Prefix(dir + "/sha"))) {
            Files.writeString(shadow, "old");
            FilesNamed named = FilesNamed.of(m);
            assertThat(named.names(reached(shadow))).as("named at load: %s", m).isTrue();

            // Replaced as passwd and editors do: a new file renamed over the old name.
            Path fresh = Files.writeString(dir.resolve("nshadow"), "new");
            Files.move(fresh, shadow, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Path link = Files.createLink(tmp.resolve("link-" + named.hashCode()), shadow);

            assertThat(named.names(reached(link))).as("the new file through a hard link: %s", m).isTrue();
        }
    }

    @Test
    void aFileNamedOnceStaysNamedAfterItIsRenamedAway() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("s"));
        Path secret = Files.writeString(dir.resolve("a"), "secret");
        FilesNamed named = FilesNamed.of(Matcher.Glob.of(dir + "/*"));

        Path moved = Files.move(secret, tmp.resolve("moved"));
        Files.writeString(dir.resolve("b"), "another change, so the next check walks again");

        assertThat(named.names(reached(moved))).isTrue();
        assertThat(named.names(reached(dir.resolve("b")))).isTrue();
    }

    @Test
    void aNewFileOutsideTheWatchedDirectoriesIsNotNamed() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("s"));
        Files.writeString(dir.resolve("a"), "secret");
        FilesNamed named = FilesNamed.of(Matcher.Glob.of(dir + "/*"));

        Path elsewhere = Files.writeString(tmp.resolve("mine"), "mine");

        assertThat(named.names(reached(elsewhere))).isFalse();
        assertThat(named.files()).hasSize(1);
    }

    /**
     * A file whose status has not changed since the walk began cannot have been given a matching
     * name since: it is not looked for again, even though the directory changed (the shortcut
     * that keeps an open of an old file at one set lookup).
     */
    @Test
    void aFileUnchangedSinceTheWalkIsNotLookedForAgain() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("s"));
        long future = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis()) + TimeUnit.HOURS.toNanos(1);
        FilesNamed named = FilesNamed.of(Matcher.Glob.of(dir + "/*"), () -> future);
        Path later = Files.writeString(dir.resolve("a"), "made after the walk, but stamped before its start");

        assertThat(named.names(reached(later))).isFalse();
        assertThat(named.files()).isEmpty();
    }

    @Test
    void theTreeIsWalkedAgainOnlyWhenAWatchedDirectoryChanged() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("s"));
        Files.writeString(dir.resolve("a"), "secret");
        // Past the clock slack, so the load's walk is not a racy one (a change within the same stamp).
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(FilesNamed.CLOCK_SLACK_NS) * 2);
        AtomicInteger walks = new AtomicInteger();
        FilesNamed named = FilesNamed.of(Matcher.Glob.of(dir + "/*"), () -> {
            walks.incrementAndGet();
            return TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
        });
        Path mine = Files.writeString(tmp.resolve("mine"), "new, but not in a watched directory");

        assertThat(named.names(reached(mine))).isFalse();
        assertThat(walks).hasValue(1);

        Path added = Files.writeString(dir.resolve("b"), "new in the watched directory");

        assertThat(named.names(reached(added))).isTrue();
        assertThat(walks).hasValue(2);
    }

    @Test
    void aDirectoryMissingAtLoadIsWatchedForItsAppearance() throws Exception {
        Path dir = tmp.resolve("later/deeper");
        FilesNamed named = FilesNamed.of(new Matcher.Exact(dir.resolve("key").toString()));
        assertThat(named.files()).isEmpty();

        Files.createDirectories(dir);
        Path key = Files.writeString(dir.resolve("key"), "k");

        assertThat(named.names(reached(Files.createLink(tmp.resolve("l"), key)))).isTrue();
    }

    @Test
    void negatedAndRelativeMatchersNameNothing() {
        assertThat(FilesNamed.of(new Matcher.Not(new Matcher.Exact("/etc/shadow")))).isSameAs(FilesNamed.NONE);
        assertThat(FilesNamed.of(Matcher.Glob.of("*.key"))).isSameAs(FilesNamed.NONE);
        assertThat(FilesNamed.NONE.names(new ReachedFile(1, 2, Long.MAX_VALUE))).isFalse();
    }

    /** A file whose path is longer than PATH_MAX, which no file call takes, is named too ({@link DeepWalk}). */
    @Test
    void aFileBelowPathMaxIsNamed() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("kept"));
        String chain = "cd " + dir + " && for i in $(seq 25); do mkdir " + "d".repeat(200) + " && cd " + "d".repeat(200)
                + " || exit 1; done && echo s > deepfile && stat -c '%d %i' deepfile";
        try {
            // bash: its cd falls back to the relative component past PATH_MAX, dash's fails.
            Process p = new ProcessBuilder("bash", "-c", chain).redirectErrorStream(true).start();
            String[] id = new String(p.getInputStream().readAllBytes()).trim().split(" ");
            assertThat(p.waitFor()).as(String.join(" ", id)).isZero();
            ReachedFile deep = new ReachedFile(Long.parseLong(id[0]), Long.parseLong(id[1]), 0);

            assertThat(FilesNamed.of(new Matcher.Prefix(dir + "/")).names(deep)).as("below a prefix").isTrue();
            assertThat(FilesNamed.of(Matcher.Glob.of(dir + "/*/deepfile")).names(deep)).as("a glob").isTrue();
            assertThat(FilesNamed.of(Matcher.Glob.of(dir + "/*/other")).names(deep)).as("another glob").isFalse();
        } finally {
            new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor(); // too deep for Java's delete
        }
    }

    @Test
    void theDirectoriesOnTheWayToTheNamesAreKnownByDeviceAndInode() throws Exception {
        Path sd = Files.createDirectories(tmp.resolve("base/sd/sub"));
        Path pub = Files.createDirectories(tmp.resolve("base/pub"));
        Files.writeString(sd.resolve("key"), "secret");
        FilesNamed glob = FilesNamed.of(Matcher.Glob.of(tmp + "/base/sd/**"));
        FilesNamed exact = FilesNamed.of(new Matcher.Exact(tmp + "/base/sd/sub/key"));

        for (FilesNamed named : List.of(glob, exact)) {
            assertThat(named.directoryNames(reached(sd))).containsExactly(sd.toString());
            assertThat(named.directoryNames(reached(sd.getParent()))).containsExactly(sd.getParent().toString());
            assertThat(named.directoryNames(reached(Path.of("/")))).as("up to the root").containsExactly("/");
            assertThat(named.directoryNames(reached(pub))).as("off the way").isEmpty();
            assertThat(named.directoryNames(reached(sd.resolve("key")))).as("a file").isEmpty();
        }
    }

    private static ReachedFile reached(Path p) throws Exception {
        Map<String, Object> a = Files.readAttributes(p, "unix:dev,ino,ctime", LinkOption.NOFOLLOW_LINKS);
        return new ReachedFile(((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue(),
                ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS));
    }
}

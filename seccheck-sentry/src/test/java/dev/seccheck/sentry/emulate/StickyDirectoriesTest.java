package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.PathCalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * StickyDirectories decides as the kernel's may_follow_link and may_create_in_sticky do, case by
 * case; a setting is read only for a decision that depends on it, and an unreadable one counts as
 * its strictest value. (The end-to-end comparison with the kernel is StickyDirectoryTrapsTest, in
 * the CLI's tests.)
 */
class StickyDirectoriesTest {

    private static final int ROOT = 0;
    private static final int ALICE = 1000;
    private static final int BOB = 1001;

    private static PathCalls.Stat dir(int mode, int uid) {
        return new PathCalls.Stat(1, 2, 0040000 | mode, uid, 0, 0, 2, 0, 0, 0);
    }

    private static PathCalls.Stat link(int uid) {
        return new PathCalls.Stat(1, 3, 0120777, uid, 0, 0, 1, 0, 0, 0);
    }

    private static PathCalls.Stat file(int uid) {
        return new PathCalls.Stat(1, 4, 0100666, uid, 0, 0, 1, 0, 0, 0);
    }

    private static PathCalls.Stat fifo(int uid) {
        return new PathCalls.Stat(1, 5, 0010666, uid, 0, 0, 1, 0, 0, 0);
    }

    private static PathCalls.Stat charDevice(int uid) {
        return new PathCalls.Stat(1, 6, 0020666, uid, 0, 0, 1, 0, 0, 0x103);
    }

    /** A setting of {@code value} that counts how often it was read. */
    private static final class Counted implements StickyDirectories.Setting {
        final int value;
        final AtomicInteger reads = new AtomicInteger();

        Counted(int value) {
            this.value = value;
        }

        @Override
        public int value() {
            reads.incrementAndGet();
            return value;
        }
    }

    @Test
    void anotherUsersSymlinkInAStickyWorldWritableDirectoryIsNotFollowed() {
        Counted on = new Counted(1);
        assertThat(StickyDirectories.mayFollow(dir(01777, ROOT), link(BOB), ALICE, on)).isFalse();
        assertThat(StickyDirectories.mayFollow(dir(01777, ROOT), link(BOB), ALICE, new Counted(0))).isTrue();
        assertThat(StickyDirectories.mayFollow(dir(01777, ROOT), link(BOB), ROOT, on)).as("root too").isFalse();
    }

    @Test
    void theFollowersOwnTheDirectoryOwnersAndLinksOutsideStickyWorldWritableDirectoriesAreFollowed() {
        Counted on = new Counted(1);
        assertThat(StickyDirectories.mayFollow(dir(01777, ROOT), link(ALICE), ALICE, on)).isTrue();
        assertThat(StickyDirectories.mayFollow(dir(01777, BOB), link(BOB), ALICE, on)).isTrue();
        assertThat(StickyDirectories.mayFollow(dir(0777, ROOT), link(BOB), ALICE, on)).as("not sticky").isTrue();
        assertThat(StickyDirectories.mayFollow(dir(01775, ROOT), link(BOB), ALICE, on)).as("not world-writable").isTrue();
        assertThat(on.reads).as("none of these depends on the setting").hasValue(0);
    }

    @Test
    void anotherUsersFileOrFifoIsNotOpenedWithOCreatInAStickyWorldWritableDirectory() {
        for (int setting : new int[] {1, 2}) {
            Counted s = new Counted(setting);
            assertThat(StickyDirectories.mayOpenCreating(dir(01777, ROOT), file(BOB), ALICE, s, s)).isFalse();
            assertThat(StickyDirectories.mayOpenCreating(dir(01777, ROOT), fifo(BOB), ALICE, s, s)).isFalse();
        }
        Counted off = new Counted(0);
        assertThat(StickyDirectories.mayOpenCreating(dir(01777, ROOT), file(BOB), ALICE, off, off)).isTrue();
        assertThat(StickyDirectories.mayOpenCreating(dir(01777, ROOT), fifo(BOB), ALICE, off, off)).isTrue();
    }

    @Test
    void inAGroupWritableStickyDirectoryOnlyTheStrictestSettingRefuses() {
        Counted one = new Counted(1);
        Counted two = new Counted(2);
        assertThat(StickyDirectories.mayOpenCreating(dir(01770, ROOT), file(BOB), ALICE, one, one)).isTrue();
        assertThat(StickyDirectories.mayOpenCreating(dir(01770, ROOT), file(BOB), ALICE, two, one)).isFalse();
        assertThat(StickyDirectories.mayOpenCreating(dir(01770, ROOT), fifo(BOB), ALICE, one, two)).isFalse();
        assertThat(StickyDirectories.mayOpenCreating(dir(01770, ROOT), fifo(BOB), ALICE, two, one)).isTrue();
    }

    @Test
    void otherKindsOfFileAreRefusedWhateverTheSettingsAsTheKernelDoes() {
        Counted off = new Counted(0);
        assertThat(StickyDirectories.mayOpenCreating(dir(01777, ROOT), charDevice(BOB), ALICE, off, off)).isFalse();
        assertThat(StickyDirectories.mayOpenCreating(dir(01777, ROOT), link(BOB), ALICE, off, off))
                .as("O_CREAT|O_NOFOLLOW on a symlink: EACCES before ELOOP").isFalse();
        assertThat(StickyDirectories.mayOpenCreating(dir(01770, ROOT), charDevice(BOB), ALICE, off, off)).isTrue();
    }

    @Test
    void theOwnersOfFileOrDirectoryAndNonStickyDirectoriesPass() {
        Counted two = new Counted(2);
        assertThat(StickyDirectories.mayOpenCreating(dir(01777, ROOT), file(ALICE), ALICE, two, two)).isTrue();
        assertThat(StickyDirectories.mayOpenCreating(dir(01777, BOB), file(BOB), ALICE, two, two)).isTrue();
        assertThat(StickyDirectories.mayOpenCreating(dir(0777, ROOT), file(BOB), ALICE, two, two)).isTrue();
        assertThat(StickyDirectories.mayOpenCreating(dir(01755, ROOT), charDevice(BOB), ALICE, two, two)).isTrue();
    }

    @Test
    void aSettingIsReadAtEachAskAndCountsAsStrictestWhenUnreadable(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("protected_symlinks"), "1\n");
        StickyDirectories.Setting s = StickyDirectories.Setting.of(file);
        assertThat(s.value()).isEqualTo(1);
        Files.writeString(file, "0\n");
        assertThat(s.value()).as("a change takes effect at once").isZero();
        Files.delete(file);
        assertThat(s.value()).isEqualTo(2);
        Files.writeString(file, "garbage");
        assertThat(s.value()).isEqualTo(2);
    }
}

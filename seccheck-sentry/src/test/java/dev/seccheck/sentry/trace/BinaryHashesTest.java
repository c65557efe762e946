package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hash cache holds as many binaries as the capacity it is given. A digest served from the
 * cache is told apart from a fresh one by changing the file behind an unchanged key.
 */
class BinaryHashesTest {

    @TempDir
    Path dir;

    private final BinaryHashes hashes = new BinaryHashes();

    private static BinaryHashes.Key key(long ino) {
        return new BinaryHashes.Key(1, ino, 10, 0, 0);
    }

    /** Hashes a file twice under one key, changing it between, and returns whether the second digest was the first. */
    private boolean repeatServedFromCache(int capacity) throws Exception {
        Path f = Files.writeString(dir.resolve("bin"), "one");
        byte[] first = hashes.of(key(1), f, capacity).sha256();
        Files.writeString(f, "two");
        return Arrays.equals(hashes.of(key(1), f, capacity).sha256(), first);
    }

    @Test
    void aPositiveCapacityServesRepeatsFromTheCache() throws Exception {
        assertThat(repeatServedFromCache(2)).as("cached").isTrue();
    }

    @Test
    void capacityZeroHashesEveryTimeAndKeepsNothing() throws Exception {
        assertThat(repeatServedFromCache(0)).as("hashed again").isFalse();
        assertThat(hashes.size()).isZero();
    }

    @Test
    void theLeastRecentlyUsedBinaryLeavesFirstAndAShrunkCapacityEvicts() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "a1");
        Path b = Files.writeString(dir.resolve("b"), "b1");
        byte[] a1 = hashes.of(key(1), a, 1).sha256();
        hashes.of(key(2), b, 1);
        assertThat(hashes.size()).isEqualTo(1);
        Files.writeString(a, "a2");
        assertThat(hashes.of(key(1), a, 1).sha256()).as("evicted by b, hashed again").isNotEqualTo(a1);

        for (int i = 0; i < 5; i++) {
            hashes.of(key(10 + i), a, 5);
        }
        assertThat(hashes.size()).isEqualTo(5);
        hashes.of(key(10), a, 2);
        assertThat(hashes.size()).isEqualTo(2);
    }

    @Test
    void aFilePastTheBoundIsNotHashedByItsSizeNorWhenItTurnsOutLongerAsItIsRead() throws Exception {
        Path big = dir.resolve("big");
        try (var f = java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            f.truncate(BinaryHashes.MAX_HASHED_BYTES + 1); // sparse: nothing written
            f.write(java.nio.ByteBuffer.wrap(new byte[] {1}), BinaryHashes.MAX_HASHED_BYTES);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> hashes.of(
                        new BinaryHashes.Key(1, 1, BinaryHashes.MAX_HASHED_BYTES + 1, 0, 0), big, 4))
                .isInstanceOf(BinaryHashes.TooLarge.class).hasMessageContaining((BinaryHashes.MAX_HASHED_BYTES + 1) + " bytes");
        // A stat that said less (the file grew since): found out as it is read, past the bound.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> hashes.of(key(2), big, 4))
                .isInstanceOf(BinaryHashes.TooLarge.class);
        assertThat(hashes.size()).as("nothing cached for it").isZero();
    }
}

package dev.seccheck.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The part of a failed write that a trail file holds, told from another writer's lines appended
 * meanwhile. Before, a failed write was always cut back to the size read before it, which took
 * along the whole lines another writer had appended in between ({@link #anotherWritersLineBeforeOursStays}).
 */
class OwnFragmentTest {
    private static final String OURS = "{\"time\":1,\"tgid\":7}\n{\"time\":2,\"tgid\":7}\n";
    private static final String THEIRS = "{\"time\":1,\"tgid\":9}\n";
    private static final String EARLIER = "{\"time\":0,\"tgid\":7}\n";

    @TempDir
    Path tmp;

    @Test
    void onlyOurPartPastTheSizeReadBeforeIsFound() throws IOException {
        assertThat(partStart(EARLIER + OURS.substring(0, 25), EARLIER.length(), OURS, 0)).isEqualTo(EARLIER.length());
    }

    @Test
    void anotherWritersLineBeforeOursStays() throws IOException {
        String file = EARLIER + THEIRS + OURS.substring(0, 25);
        assertThat(partStart(file, EARLIER.length(), OURS, 0)).isEqualTo(EARLIER.length() + THEIRS.length());
    }

    @Test
    void anotherWritersLinesAloneAreNotTakenForOurs() throws IOException {
        String file = EARLIER + THEIRS + THEIRS;
        assertThat(partStart(file, EARLIER.length(), OURS, 0)).isEqualTo(file.length());
    }

    @Test
    void aFileEndingInAnotherWritersFragmentHoldsNoPartOfOursToFind() throws IOException {
        String file = EARLIER + OURS.substring(0, 25) + THEIRS.substring(0, 18);
        assertThat(partStart(file, EARLIER.length(), OURS, 0)).isEqualTo(-1);
        assertThat(partStart(EARLIER + THEIRS.substring(0, 18), EARLIER.length(), OURS, 0)).isEqualTo(-1);
    }

    @Test
    void aPartEndingInTheMiddleOfOurSecondLineIsFoundWhole() throws IOException {
        String file = EARLIER + THEIRS + OURS.substring(0, OURS.length() - 3);
        assertThat(partStart(file, EARLIER.length(), OURS, 0)).isEqualTo(EARLIER.length() + THEIRS.length());
    }

    @Test
    void ourNewlineAfterAFragmentOfOursIsPartOfOurs() throws IOException {
        String earlier = EARLIER + "{\"ti";
        String data = "\n" + OURS;
        assertThat(partStart(earlier + data.substring(0, 6), earlier.length(), data, 0)).isEqualTo(earlier.length());
        assertThat(partStart(earlier + "\n", earlier.length(), data, 0)).isEqualTo(earlier.length());
    }

    @Test
    void theBytesGivenAreReadFromTheirOffset() throws IOException {
        String data = "\n" + OURS;
        assertThat(partStart(EARLIER + THEIRS + OURS.substring(0, 4), EARLIER.length(), data, 1))
                .isEqualTo(EARLIER.length() + THEIRS.length());
    }

    @Test
    void aFileNoLongerThanBeforeIsLeftAsItIs() throws IOException {
        assertThat(partStart(EARLIER, EARLIER.length(), OURS, 0)).isEqualTo(EARLIER.length());
        assertThat(partStart(EARLIER, EARLIER.length() + 5, OURS, 0)).isEqualTo(EARLIER.length());
    }

    private long partStart(String content, long before, String written, int from) throws IOException {
        Path file = Files.writeString(tmp.resolve("trail"), content);
        byte[] data = written.getBytes(StandardCharsets.UTF_8);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            return OwnFragment.partStart(f, f.length(), before, data, from, data.length - from);
        }
    }
}

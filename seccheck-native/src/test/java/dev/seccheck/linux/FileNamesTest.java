package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** FileNamesTest: every byte string but NUL survives the round trip, and valid UTF-8 reads as its text. */
class FileNamesTest {

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    @Test
    void validUtf8IsItsText() {
        for (String s : List.of("", "plain", "caf\u00e9", "\u20ac", "ok\uD83D\uDC80", "\uD83D\uDE00/x")) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            assertThat(FileNames.decode(b)).as(s).isEqualTo(s);
            assertThat(FileNames.encode(s)).as(s).isEqualTo(b);
        }
    }

    @Test
    void eachByteOfAnInvalidSequenceIsEscapedAndComesBack() {
        List<byte[]> odd = List.of(
                bytes('c', 'a', 'f', 0xe9), // Latin-1
                bytes(0xff), bytes(0x80), // never a lead byte; a stray continuation
                bytes(0xc0, 0xaf), // overlong "/"
                bytes(0xed, 0xa0, 0x80), // a surrogate's encoding
                bytes(0xf4, 0x90, 0x80, 0x80), // past U+10FFFF
                bytes(0xe2, 0x82), // cut short
                bytes(0xf0, 0x9f, 0x92, 0x80, 0xdc), // a valid U+1F480 (low surrogate DC80) then a stray byte
                bytes(0xed, 0xb2, 0x80)); // the encoding of U+DC80 itself
        for (byte[] b : odd) {
            String s = FileNames.decode(b);
            assertThat(FileNames.encode(s)).isEqualTo(b);
        }
        assertThat(FileNames.decode(bytes('c', 'a', 'f', 0xe9))).isEqualTo("caf\uDCE9");
        assertThat(FileNames.decode(bytes(0xe2, 0x82))).isEqualTo("\uDCE2\uDC82");
        assertThat(FileNames.decode(bytes(0xf0, 0x9f, 0x92, 0x80, 0xdc))).isEqualTo("\uD83D\uDC80\uDCDC");
    }

    @Test
    void randomNamesSurviveTheRoundTrip() {
        Random r = new Random(42);
        for (int n = 0; n < 20_000; n++) {
            byte[] b = new byte[r.nextInt(12)];
            for (int i = 0; i < b.length; i++) {
                do {
                    b[i] = (byte) (r.nextBoolean() ? 0x80 + r.nextInt(0x80) : r.nextInt(256));
                } while (b[i] == 0);
            }
            assertThat(FileNames.encode(FileNames.decode(b))).isEqualTo(b);
        }
    }

    @Test
    void aSliceIsDecodedAlone() {
        byte[] b = bytes('/', 'd', 0xff, '/', 'f', 0);
        assertThat(FileNames.decode(b, 1, 4)).isEqualTo("d\uDCFF/f");
    }

    @Test
    void aNameIsShownWithUFffdForEachByteThatIsNotUtf8() {
        assertThat(FileNames.shown(FileNames.decode(bytes('c', 'a', 'f', 0xe9)))).isEqualTo("caf\uFFFD");
        assertThat(FileNames.shown("h\u00e9llo \uD83D\uDC80")).as("text, a pair of surrogates included, as it is")
                .isEqualTo("h\u00e9llo \uD83D\uDC80");
    }
}

package dev.seccheck.format;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.seccheck.proto.syscall.Connect;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AbstractNamesTest {

    /** An AF_UNIX address of abstract name {@code name} (without its leading NUL), exactly as long. */
    private static ByteString unix(byte[] name) {
        byte[] a = new byte[3 + name.length];
        a[0] = 1;
        System.arraycopy(name, 0, a, 3, name.length);
        return ByteString.copyFrom(a);
    }

    private static String unixPath(byte[] name) {
        return SockAddr.decode(unix(name)).orElseThrow().unixPath();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Names the kernel tells apart read apart: NULs inside or after the name, and the name itself. */
    @Test
    void namesThatDifferToTheKernelDifferAsText() {
        byte[] padded = Arrays.copyOf(utf8("allowed"), 107);
        assertThat(unixPath(utf8("allowed"))).isEqualTo("@allowed");
        assertThat(unixPath(utf8("allo\0wed"))).isEqualTo("@allo\\0wed");
        assertThat(unixPath(padded)).isEqualTo("@allowed" + "\\0".repeat(100));
        assertThat(unixPath(new byte[0])).isEqualTo("@");
    }

    /** A byte that is not part of valid UTF-8 is spelled as hex, and a backslash doubled, so no spelling is taken twice. */
    @Test
    void bytesThatAreNotUtf8AndBackslashesAreEscaped() {
        assertThat(unixPath(new byte[] {'o', 'k', (byte) 0xff})).isEqualTo("@ok\\xff");
        assertThat(unixPath(new byte[] {'o', 'k', (byte) 0xfe})).isEqualTo("@ok\\xfe");
        assertThat(unixPath(utf8("ok\uFFFD"))).as("the character itself").isEqualTo("@ok\uFFFD");
        assertThat(unixPath(utf8("ok\\xff"))).isEqualTo("@ok\\\\xff");
        assertThat(unixPath(utf8("caf\u00e9 \uD83D\uDE00"))).isEqualTo("@caf\u00e9 \uD83D\uDE00");
        assertThat(unixPath(new byte[] {(byte) 0xc0, (byte) 0xaf})).as("overlong").isEqualTo("@\\xc0\\xaf");
        assertThat(unixPath(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80})).as("a surrogate")
                .isEqualTo("@\\xed\\xa0\\x80");
        assertThat(unixPath(new byte[] {(byte) 0xe2, (byte) 0x82})).as("cut short").isEqualTo("@\\xe2\\x82");
    }

    /** A file system path is unchanged: it ends at its first NUL. */
    @Test
    void aPathIsReadToItsNul() {
        byte[] a = {1, 0, '/', 'r', 'u', 'n', 0, 'x'};
        assertThat(SockAddr.decode(ByteString.copyFrom(a)).orElseThrow().unixPath()).isEqualTo("/run");
    }

    /** The text format shows the spelling escaped as a word, so the escape's backslash is doubled once more. */
    @Test
    void theTextFormatShowsTheSpelling() {
        String line = MessageText.line("E", "connect", Connect.newBuilder().setFd(3).setAddress(unix(utf8("allo\0wed"))).build());
        assertThat(line).isEqualTo("E connect fd=3 address={AF_UNIX @allo\\\\0wed}");
    }
}

package dev.seccheck.format;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** What a hostile string looks like once escaped: never a second line, never hidden text. */
class EscapeTest {

    @Test
    void controlCharactersQuotesAndBackslashesGetCEscapes() {
        assertThat(Escape.quoted("a\nb\r\t\u000b\f\u0000\u001b[2J\u007f\"\\", 0))
                .isEqualTo("\"a\\nb\\r\\t\\v\\f\\x00\\x1b[2J\\x7f\\\"\\\\\"");
    }

    @Test
    void charactersThatReorderOrBreakLinesOnScreenAreEscaped() {
        assertThat(Escape.quoted("x\u202egpj.exe\u2028y\u0085\ufffd\u200b", 0))
                .isEqualTo("\"x\\u202egpj.exe\\u2028y\\u0085\\ufffd\\u200b\"");
        assertThat(Escape.quoted("caf\u00e9 \u65e5\u672c \ud83d\ude00", 0)).isEqualTo("\"caf\u00e9 \u65e5\u672c \ud83d\ude00\"");
        assertThat(Escape.quoted("lone \ud800 surrogate", 0)).isEqualTo("\"lone \\ud800 surrogate\"");
    }

    @Test
    void aWordEscapesSpacesSoItCannotPoseAsTheNextField() {
        StringBuilder sb = new StringBuilder();
        Escape.word(sb, "ok\n1 sshd E", 0);
        assertThat(sb).hasToString("ok\\n1\\x20sshd\\x20E");
    }

    @Test
    void truncationIsVisibleAndCountsBytes() {
        assertThat(Escape.quoted("abcdef", 3)).isEqualTo("\"abc\"...(6 bytes)");
        assertThat(Escape.quoted("abc", 3)).isEqualTo("\"abc\"");
        assertThat(Escape.quoted("\u00e9\u00e9\u00e9\u00e9", 2)).isEqualTo("\"\u00e9\u00e9\"...(8 bytes)");
        assertThat(Escape.quoted("\ud83d\ude00\ud83d\ude00", 1)).isEqualTo("\"\ud83d\ude00\"...(8 bytes)");
        assertThat(Escape.plain("a\nbcd", 2)).isEqualTo("a\\n...(5 bytes)");
        StringBuilder sb = new StringBuilder();
        Escape.hex(sb, ByteString.copyFrom(new byte[] {1, 2, 3}), 2);
        assertThat(sb).hasToString("0102...(3 bytes)");
    }
}

package dev.seccheck.format;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** What a hostile string looks like once escaped: never a second line, never hidden text. */
class EscapeTest {

    /** seccheck's own lines: what breaks or hides a line is escaped, the rest stays as written. */
    @Test
    void aLineKeepsItsTextAndLosesWhatBreaksIt() {
        assertThat(Escape.line("refused open of \"/a b\\c\" (x)")).isEqualTo("refused open of \"/a b\\c\" (x)");
        assertThat(Escape.line("task 7 (x\nseccheck: ok\u001b[8m\r\t)")).isEqualTo("task 7 (x\\nseccheck: ok\\x1b[8m\\r\\t)");
        assertThat(Escape.line("\u202eevil\u0085\u2028\u007f")).isEqualTo("\\u202eevil\\u0085\\u2028\\x7f");
        assertThat(Escape.line("caf\u00e9 \u00fcber")).isEqualTo("caf\u00e9 \u00fcber");
    }

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

    /** Red-team round 22: a cwd ending in a no-break space and "(exec)" read as a {@code seccheck exec} command's. */
    @Test
    void aWordEscapesEverySpaceSeparatorNotAsciisAlone() {
        StringBuilder sb = new StringBuilder();
        Escape.word(sb, "w\u00a0(exec) x\u2007y\u3000z caf\u00e9", 0);
        assertThat(sb).hasToString("w\\u00a0(exec)\\x20x\\u2007y\\u3000z\\x20caf\u00e9");
        assertThat(Escape.quoted("a\u00a0b", 0)).as("in quotes, a space is text").isEqualTo("\"a\u00a0b\"");
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

    /**
     * Printable ASCII is copied a run at a time; every string, whatever it mixes, must come out as
     * the escape of one code point at a time does (the rule written out below), quoted or as a word.
     */
    @Test
    void copyingRunsOfPrintableAsciiWritesWhatEscapingEachCodePointWrites() {
        java.util.Random random = new java.util.Random(7);
        int[] alphabet = {'a', 'Z', '0', ' ', '"', '\\', '\n', '\t', 0x01, 0x7f, 0x85, 0xe9, 0x202e, 0x2028, 0xfffd,
            0xd800, 0x1f600, '~', '!', 0x20ac};
        for (int round = 0; round < 5000; round++) {
            StringBuilder text = new StringBuilder();
            int n = random.nextInt(40);
            for (int i = 0; i < n; i++) {
                text.appendCodePoint(alphabet[random.nextInt(alphabet.length)]);
            }
            String s = text.toString();
            for (boolean word : new boolean[] {false, true}) {
                StringBuilder got = new StringBuilder();
                if (word) {
                    Escape.word(got, s, 0);
                } else {
                    Escape.quoted(got, s, 0);
                }
                String body = oneCodePointAtATime(s, word);
                assertThat(got.toString()).as("%s", s.codePoints().boxed().toList()).isEqualTo(word ? body : '"' + body + '"');
            }
        }
    }

    /** strace's C escapes, by character; the rule below writes every other control as \\xNN. */
    private static final java.util.Map<Integer, String> C_ESCAPES = java.util.Map.of((int) '"', "\\\"",
            (int) '\\', "\\\\", (int) '\n', "\\n", (int) '\r', "\\r", (int) '\t', "\\t", 0x0b, "\\v", 0x0c, "\\f");
    /** The Unicode types that hide or move text on a screen, written as \\uNNNN. */
    private static final java.util.Set<Integer> HIDING = java.util.Set.of((int) Character.CONTROL, (int) Character.FORMAT,
            (int) Character.LINE_SEPARATOR, (int) Character.PARAGRAPH_SEPARATOR, (int) Character.SURROGATE,
            (int) Character.UNASSIGNED);

    private static String oneCodePointAtATime(String s, boolean word) {
        StringBuilder sb = new StringBuilder();
        for (int c : s.codePoints().toArray()) {
            String escaped = C_ESCAPES.get(c);
            if (escaped == null && c == ' ') {
                escaped = word ? "\\x20" : " ";
            } else if (escaped == null && (c < 0x20 || c == 0x7f)) {
                escaped = String.format("\\x%02x", c);
            } else if (escaped == null && (c == 0xfffd || HIDING.contains(Character.getType(c)))) {
                escaped = String.format("\\u%04x", c);
            }
            if (escaped != null) {
                sb.append(escaped);
            } else {
                sb.appendCodePoint(c);
            }
        }
        return sb.toString();
    }
}

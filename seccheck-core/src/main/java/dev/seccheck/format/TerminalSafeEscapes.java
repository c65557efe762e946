package dev.seccheck.format;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;

/**
 * TerminalSafeEscapes makes JSON lines escape, besides what JSON must, the characters that act on
 * a terminal or reorder what it shows ({@link Escape}'s: C1 controls, bidi overrides, line and
 * paragraph separators, U+FFFD), as JSON's escape of their code point ({@code \\u009b}). JSON lines
 * go to stderr, a terminal, by
 * default, and the program chooses the strings in them: a path of C1 sequences moved the cursor and
 * wrote the terminal's clipboard. The line decodes to the same strings.
 */
final class TerminalSafeEscapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private static final int[] ASCII = standardAsciiEscapesForJSON();

    @Override
    public int[] getEscapeCodesForAscii() {
        return ASCII;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
        return Escape.hides(ch) ? new SerializedString(String.format("\\u%04x", ch)) : null;
    }
}

package dev.seccheck.format;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;

/**
 * Escape turns strings the supervised program controls (paths, argv, process names) into text
 * that cannot forge a line of the audit trail: control characters, quotes and backslashes get
 * C-style escapes like strace's, as do the characters that move or hide text on a terminal
 * (bidi overrides, line and paragraph separators, the replacement character that stands for
 * bytes that were not UTF-8). A string past the limit is cut and says so: {@code "abc"...(300 bytes)}.
 */
public final class Escape {
    private Escape() {}

    /** The default string limit, in characters, when a sink sets none. */
    public static final int DEFAULT_LIMIT = 256;

    /** Appends {@code s} in double quotes, escaped, cut after {@code limit} characters (0: no limit). */
    public static void quoted(StringBuilder sb, String s, int limit) {
        int n = limit > 0 ? cutPoint(s, limit) : s.length();
        sb.append('"');
        escape(sb, s, n, false);
        sb.append('"');
        if (n < s.length()) {
            sb.append("...(").append(s.getBytes(StandardCharsets.UTF_8).length).append(" bytes)");
        }
    }

    /** Returns {@code s} quoted, escaped and cut as {@link #quoted(StringBuilder, String, int)} does. */
    public static String quoted(String s, int limit) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        quoted(sb, s, limit);
        return sb.toString();
    }

    /**
     * Appends {@code s} unquoted, for a word among words (a process name, a cwd): as
     * {@link #quoted} escapes, and a space too, so the word cannot pose as the fields after it:
     * every space separator, not ASCII's alone (a cwd ending in a no-break space and "(exec)" read
     * as a {@code seccheck exec} command's task's, red-team round 22).
     */
    public static void word(StringBuilder sb, String s, int limit) {
        int n = limit > 0 ? cutPoint(s, limit) : s.length();
        escape(sb, s, n, true);
        if (n < s.length()) {
            sb.append("...(").append(s.getBytes(StandardCharsets.UTF_8).length).append(" bytes)");
        }
    }

    /** Returns {@code s} with the escapes of {@link #quoted} but no quotes and no cut, for JSON values and alerts. */
    public static String plain(String s, int limit) {
        int n = limit > 0 ? cutPoint(s, limit) : s.length();
        StringBuilder sb = new StringBuilder(s.length());
        escape(sb, s, n, false);
        if (n < s.length()) {
            sb.append("...(").append(s.getBytes(StandardCharsets.UTF_8).length).append(" bytes)");
        }
        return sb.toString();
    }

    /**
     * Returns {@code s}, one of seccheck's own lines that may hold a value the program controls (a
     * process name, a path), with the characters that would break or hide the line escaped (C0
     * and C1 controls, DEL, and {@link #hides}' others) and nothing else: quotes, backslashes and
     * spaces stay as written. A process named {@code "x\nseccheck: ok"} printed a line of its own.
     */
    public static String line(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            int next = i + Character.charCount(c);
            boolean breaks = c < 0x20 || c == 0x7f || c > 0x7f && hides(c);
            if (breaks && sb == null) {
                sb = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (sb != null) {
                switch (c) {
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    default -> {
                        if (c < 0x20 || c == 0x7f) {
                            sb.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
                        } else if (breaks) {
                            sb.append(String.format("\\u%04x", c));
                        } else {
                            sb.appendCodePoint(c);
                        }
                    }
                }
            }
            i = next;
        }
        return sb == null ? s : sb.toString();
    }

    /** Appends bytes as lowercase hex, cut after {@code limit} bytes with the full size shown (0: no limit). */
    public static void hex(StringBuilder sb, ByteString b, int limit) {
        int n = limit > 0 ? Math.min(b.size(), limit) : b.size();
        for (int i = 0; i < n; i++) {
            sb.append(Character.forDigit((b.byteAt(i) >> 4) & 0xf, 16)).append(Character.forDigit(b.byteAt(i) & 0xf, 16));
        }
        if (b.size() > n) {
            sb.append("...(").append(b.size()).append(" bytes)");
        }
    }

    /** Returns where to cut {@code s} to keep {@code limit} code points, never inside a surrogate pair. */
    private static int cutPoint(String s, int limit) {
        if (s.length() <= limit) {
            return s.length();
        }
        int cps = s.codePointCount(0, s.length());
        return cps <= limit ? s.length() : s.offsetByCodePoints(0, limit);
    }

    private static void escape(StringBuilder sb, String s, int end, boolean space) {
        // Runs of printable ASCII stand for themselves and are copied whole: an exec's line holds
        // its whole environment, and a look at each code point's Unicode type cost the tracer
        // about 50 ns a character under C1.
        int run = 0;
        for (int i = 0; i < end; ) {
            char ch = s.charAt(i);
            if (ch > ' ' && ch < 0x7f && ch != '"' && ch != '\\' || ch == ' ' && !space) {
                i++;
                continue;
            }
            sb.append(s, run, i);
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            run = i;
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case 0x0b -> sb.append("\\v");
                case 0x0c -> sb.append("\\f");
                case ' ' -> sb.append(space ? "\\x20" : " ");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
                    } else if (hides(c) || space && Character.getType(c) == Character.SPACE_SEPARATOR) {
                        sb.append(String.format("\\u%04x", c));
                    } else {
                        sb.appendCodePoint(c);
                    }
                }
            }
        }
        sb.append(s, run, end);
    }

    /**
     * Says whether a code point can reorder, hide or break a line on a reader's screen: C1
     * controls, format characters (bidi overrides, zero-width), line/paragraph separators,
     * lone surrogates, and U+FFFD, which the tracer puts where the program's bytes were not UTF-8.
     */
    static boolean hides(int c) {
        if (c == 0xfffd) {
            return true;
        }
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SURROGATE, Character.UNASSIGNED -> true;
            default -> false;
        };
    }
}

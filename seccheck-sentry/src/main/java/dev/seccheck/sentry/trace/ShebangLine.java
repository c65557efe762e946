package dev.seccheck.sentry.trace;

import java.nio.charset.StandardCharsets;

/**
 * ShebangLine reads a {@code #!} script's first line as the kernel's script loader does, to tell
 * which program an exec of the script ran next: the kernel reads the file's first
 * {@value #HEAD} bytes, takes the interpreter's name from after the {@code #!} and any spaces or
 * tabs up to the next space, tab or NUL, and refuses the exec (ENOEXEC) when there is no name or
 * when, without a newline in those bytes, the name may have been cut short.
 */
final class ShebangLine {
    private ShebangLine() {}

    /** How much of a file the kernel looks at for its format (BINPRM_BUF_SIZE). */
    static final int HEAD = 256;

    /**
     * A {@code #!} line as the kernel splits it: the interpreter's name, which becomes the new
     * program's argv[0], and its optional argument, which follows it there (null when none).
     */
    record Line(String name, String arg) {}

    /**
     * The interpreter named by a file that starts with {@code head}, its first {@code length}
     * bytes (at most {@value #HEAD}), or null when the kernel would not run it as a script or the
     * name is empty (no file has it: the exec failed).
     */
    static String interpreter(byte[] head, int length) {
        Line line = line(head, length);
        return line == null ? null : line.name();
    }

    /**
     * The {@code #!} line of a file that starts with {@code head} as the kernel reads it
     * (fs/binfmt_script.c), or null when the kernel would not run the file as a script. The
     * argument runs from the first non-blank after the name's terminator (a space or tab; a NUL
     * ends the line there) to the line's end without its trailing blanks, and stops at a NUL, as
     * the kernel's copy of it does.
     */
    static Line line(byte[] head, int length) {
        byte[] buf = new byte[HEAD]; // what the file does not fill reads as NULs, as in the kernel's buffer
        System.arraycopy(head, 0, buf, 0, Math.min(length, HEAD));
        if (length < 2 || buf[0] != '#' || buf[1] != '!') {
            return null;
        }
        int end = indexOf(buf, (byte) '\n', 0, HEAD);
        if (end < 0) {
            // The kernel looks at every byte read, the last one too (a space, tab or NUL there
            // ends a name running up to it), and then ends the line on that last byte.
            int name = nonBlank(buf, 2, HEAD);
            if (name < 0 || terminator(buf, name, HEAD) < 0) {
                return null; // blank, or a name that may continue past what was read
            }
            end = HEAD - 1;
        }
        while (end > 2 && blank(buf[end - 1])) {
            end--;
        }
        int name = nonBlank(buf, 2, end);
        if (name < 0) {
            return null;
        }
        int nameEnd = terminator(buf, name, end);
        int size = (nameEnd < 0 ? end : nameEnd) - name;
        if (size == 0) {
            return null; // "#!\0": no file is named ""
        }
        String arg = null;
        if (nameEnd >= 0 && buf[nameEnd] != 0) {
            int from = nonBlank(buf, nameEnd, end);
            if (from >= 0) {
                int to = indexOf(buf, (byte) 0, from, end);
                arg = new String(buf, from, (to < 0 ? end : to) - from, StandardCharsets.UTF_8);
            }
        }
        return new Line(new String(buf, name, size, StandardCharsets.UTF_8), arg);
    }

    private static boolean blank(byte b) {
        return b == ' ' || b == '\t';
    }

    private static int nonBlank(byte[] buf, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!blank(buf[i])) {
                return i;
            }
        }
        return -1;
    }

    private static int terminator(byte[] buf, int from, int to) {
        for (int i = from; i < to; i++) {
            if (blank(buf[i]) || buf[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(byte[] buf, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf[i] == b) {
                return i;
            }
        }
        return -1;
    }
}

package dev.seccheck.linux;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Sysno;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * FileNames turns a Linux file name, which is any bytes but NUL, into a Java string and back
 * without losing a byte. Valid UTF-8 becomes the characters it encodes; each byte of an invalid
 * sequence becomes the lone surrogate U+DC80..U+DCFF of its value (the "surrogateescape" scheme),
 * which no valid UTF-8 decodes to, and turns back into that byte. So a name such as
 * {@code caf\xe9} (Latin-1) read from a program, walked and opened is the name the program gave,
 * not {@code caf\uFFFD} encoded back as other bytes: another file.
 */
public final class FileNames {
    private FileNames() {}

    private static final char ESCAPE = 0xDC00;

    /** The name in {@code b[off, off+len)} as a string; invalid UTF-8 bytes become U+DC80..U+DCFF. */
    public static String decode(byte[] b, int off, int len) {
        int end = off + len;
        boolean ascii = true;
        for (int i = off; i < end && ascii; i++) {
            ascii = b[i] >= 0;
        }
        if (ascii) {
            return new String(b, off, len, StandardCharsets.ISO_8859_1);
        }
        StringBuilder out = new StringBuilder(len);
        int i = off;
        while (i < end) {
            int c = b[i] & 0xff;
            int n = c < 0x80 ? 1 : sequence(b, i, end);
            if (n == 0) {
                out.append((char) (ESCAPE | c));
                i++;
                continue;
            }
            out.append(new String(b, i, n, StandardCharsets.UTF_8));
            i += n;
        }
        return out.toString();
    }

    /** The whole array as a name. */
    public static String decode(byte[] b) {
        return decode(b, 0, b.length);
    }

    /** The bytes of {@code name}, each U+DC80..U+DCFF not paired with a high surrogate as its byte. */
    public static byte[] encode(String name) {
        if (!hasEscapes(name)) {
            return name.getBytes(StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(name.length() + 8);
        int i = 0;
        while (i < name.length()) {
            int cp = name.codePointAt(i);
            if (cp >= 0xDC80 && cp <= 0xDCFF) {
                out.write(cp & 0xff);
            } else {
                byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
            i += Character.charCount(cp);
        }
        return out.toByteArray();
    }

    /**
     * {@code name} as text to show: each byte kept as U+DC80..U+DCFF shown as U+FFFD, as a message
     * shows a name that is not UTF-8 (a lone surrogate is no text a line or a JSON string carries).
     */
    public static String shown(String name) {
        if (!hasEscapes(name)) {
            return name;
        }
        StringBuilder out = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean escape = c >= 0xDC80 && c <= 0xDCFF && (i == 0 || !Character.isHighSurrogate(name.charAt(i - 1)));
            out.append(escape ? '\uFFFD' : c);
        }
        return out.toString();
    }

    private static boolean hasEscapes(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0xDC80 && c <= 0xDCFF && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The length of the valid UTF-8 sequence of two to four bytes at {@code i} (lead byte at least
     * 0x80), or 0 when it is not one: a stray continuation, an overlong form, a surrogate, a value
     * past U+10FFFF or a sequence cut short.
     */
    private static int sequence(byte[] b, int i, int end) {
        int c = b[i] & 0xff;
        int n;
        int min;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
            min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            min = 0x10000;
        } else {
            return 0;
        }
        if (i + n > end) {
            return 0;
        }
        int cp = c & (0x7f >> n);
        for (int k = 1; k < n; k++) {
            int cc = b[i + k] & 0xff;
            if ((cc & 0xC0) != 0x80) {
                return 0;
            }
            cp = cp << 6 | cc & 0x3f;
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return 0;
        }
        return n;
    }

    /**
     * openat(AT_FDCWD, {@code path}, {@code flags}, {@code mode}), repeated while a signal
     * interrupts it: the new descriptor, or -errno.
     */
    static long openat(String path, int flags, int mode) {
        try (Arena call = Arena.ofConfined()) {
            byte[] name = encode(path);
            MemorySegment s = call.allocate(name.length + 1L); // zeroed: the last byte ends the name
            MemorySegment.copy(name, 0, s, ValueLayout.JAVA_BYTE, 0, name.length);
            long r;
            do {
                r = Direct.call(Sysno.OPENAT, Fcntl.AT_FDCWD, s.address(), flags, mode);
            } while (r == -Errno.EINTR);
            return r;
        }
    }
}

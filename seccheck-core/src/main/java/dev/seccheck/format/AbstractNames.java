package dev.seccheck.format;

/**
 * AbstractNames spells an abstract unix socket name, which is any bytes (NULs included, its
 * length the address's), as the text a {@code unix_path} rule matches after its {@code @}:
 * valid UTF-8 as the characters it encodes, a NUL as {@code \0}, a byte that is not part of valid
 * UTF-8 as {@code \xNN} (lowercase hex), and a backslash as {@code \\}, so that every two names
 * the kernel tells apart read apart. Before, NULs were dropped and other bytes became U+FFFD:
 * {@code \0allo\0wed} and {@code \0allowed} padded with NULs read as {@code @allowed}, and a rule
 * allowing that socket let the program reach others.
 */
public final class AbstractNames {
    private AbstractNames() {}

    /** The text of the name in {@code b}, the bytes after the address's leading NUL. */
    public static String text(byte[] b) {
        StringBuilder out = new StringBuilder(b.length);
        int i = 0;
        while (i < b.length) {
            int c = b[i] & 0xff;
            int n = c < 0x80 ? 1 : sequence(b, i);
            if (c == 0) {
                out.append("\\0");
            } else if (c == '\\') {
                out.append("\\\\");
            } else if (n == 0) {
                out.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
                n = 1;
            } else {
                out.append(new String(b, i, n, java.nio.charset.StandardCharsets.UTF_8));
            }
            i += n;
        }
        return out.toString();
    }

    /**
     * The length of the valid UTF-8 sequence of two to four bytes at {@code i}, or 0 when there is
     * none there (a stray continuation byte, an overlong form, a surrogate, past U+10FFFF, cut short).
     */
    private static int sequence(byte[] b, int i) {
        int c = b[i] & 0xff;
        int n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        if (n == 0 || i + n > b.length) {
            return 0;
        }
        int second = b[i + 1] & 0xff;
        int low = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
        int high = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
        if (second < low || second > high) {
            return 0;
        }
        for (int k = 2; k < n; k++) {
            if ((b[i + k] & 0xc0) != 0x80) {
                return 0;
            }
        }
        return n;
    }
}

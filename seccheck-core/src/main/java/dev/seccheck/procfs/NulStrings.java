package dev.seccheck.procfs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * NulStrings splits the NUL-separated lists that /proc gives for a process's command line and
 * environment ({@code /proc/<pid>/cmdline}, {@code environ}); a last string without its NUL is
 * kept.
 */
public final class NulStrings {
    private NulStrings() {}

    /** Returns the strings in {@code data}, decoded as UTF-8. */
    public static List<String> split(byte[] data) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == 0) {
                out.add(new String(data, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < data.length) {
            out.add(new String(data, start, data.length - start, StandardCharsets.UTF_8));
        }
        return out;
    }
}

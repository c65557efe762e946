package dev.seccheck.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Mountinfo reads a mount namespace's table, {@code /proc/PID/mountinfo}: one {@link Mount} per
 * line, with the fields seccheck uses.
 */
public final class Mountinfo {
    private Mountinfo() {}

    /**
     * One line of mountinfo.
     *
     * @param id the mount's id (statx's STATX_MNT_ID gives the same number)
     * @param device its device, major:minor
     * @param root the directory of its filesystem that is mounted
     * @param mountPoint where it is mounted, relative to the reader's root
     * @param type its filesystem type (the field after " - "): ext4, tmpfs, fuse.sshfs...
     * @param superOptions its filesystem's options (the last field): a cgroup hierarchy's
     *     controllers are among them
     */
    public record Mount(int id, String device, String root, String mountPoint, String type, String superOptions) {}

    /** Reads the table in {@code file} (e.g. {@code /proc/self/mountinfo}). */
    public static List<Mount> read(String file) throws IOException {
        return parse(Files.readAllLines(Path.of(file)));
    }

    /** Parses mountinfo's lines; a line without the fields is skipped. */
    public static List<Mount> parse(List<String> lines) {
        List<Mount> out = new ArrayList<>(lines.size());
        for (String line : lines) {
            String[] f = line.split(" ");
            int dash = line.indexOf(" - ");
            if (f.length < 5 || dash < 0) {
                continue;
            }
            String[] tail = line.substring(dash + 3).split(" ");
            out.add(new Mount(Integer.parseInt(f[0]), f[2], unescape(f[3]), unescape(f[4]), tail[0],
                    tail.length > 2 ? tail[2] : ""));
        }
        return out;
    }

    /** mountinfo escapes space, tab, newline and backslash as three octal digits. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}

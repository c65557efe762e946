package dev.seccheck.cli;

import dev.seccheck.linux.FileNames;
import dev.seccheck.linux.Procfs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * RawArguments gives back the bytes of this JVM's last command-line arguments, the command a
 * {@code seccheck run} supervises. The JVM decodes its arguments with the locale's charset before
 * {@code main} sees them: under {@code LANG=C} every byte past ASCII, under a UTF-8 locale every
 * byte that is not UTF-8 (a Latin-1 {@code caf\xe9}), becomes U+FFFD, and the program would be
 * handed another argument than the one given (a file name it then does not find). The kernel
 * keeps them as given in {@code /proc/self/cmdline}; each is decoded as a file name is
 * ({@link FileNames}), so that the spawn passes its very bytes.
 */
final class RawArguments {
    private RawArguments() {}

    /**
     * {@code decoded}, main's last arguments, each as its bytes in /proc/self/cmdline. Where that
     * cannot be read, or its last arguments are not these (an ASCII one that differs: the command
     * was not the end of the command line), {@code decoded} itself.
     */
    static List<String> of(List<String> decoded) {
        byte[] cmdline;
        try {
            cmdline = Files.readAllBytes(Path.of("/proc/self/cmdline"));
        } catch (IOException | RuntimeException e) {
            return decoded;
        }
        List<byte[]> all = Procfs.nulSeparatedBytes(cmdline);
        if (all.size() < decoded.size()) {
            return decoded;
        }
        List<byte[]> last = all.subList(all.size() - decoded.size(), all.size());
        List<String> raw = new ArrayList<>(decoded.size());
        for (int i = 0; i < decoded.size(); i++) {
            byte[] b = last.get(i);
            if (ascii(b) && !new String(b, StandardCharsets.US_ASCII).equals(decoded.get(i))) {
                return decoded;
            }
            raw.add(FileNames.decode(b));
        }
        return List.copyOf(raw);
    }

    private static boolean ascii(byte[] b) {
        for (byte x : b) {
            if (x < 0) {
                return false;
            }
        }
        return true;
    }
}

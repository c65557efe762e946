package dev.seccheck.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Sysctls reads a /proc/sys file for the tests in one read: the kernel answers a read of a
 * number's file at any offset but 0 with end of file, and {@code Files.readString} starts with a
 * read of one byte (the file's size is 0), so it gives "3" for a pid_max of 32768.
 */
final class Sysctls {
    private Sysctls() {}

    /** What a test does with a sysctl it may change: given the host's value. */
    @FunctionalInterface
    interface Body {
        void run(String host) throws Exception;
    }

    /** Runs {@code body} with the host's value of {@code file}, and puts that value back if it changed. */
    static void keeping(Path file, Body body) throws Exception {
        String host = read(file);
        try {
            body.run(host);
        } finally {
            if (!read(file).equals(host)) {
                Files.writeString(file, host + "\n");
            }
        }
    }

    /** The value in {@code file}, without its newline. */
    static String read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = new byte[4096];
            int n = in.read(b);
            return n <= 0 ? "" : new String(b, 0, n, StandardCharsets.US_ASCII).strip();
        }
    }
}

package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.PathCalls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The lines of {@code /proc/PID/maps} as {@link ExecutedFiles} reads them at an exec event. */
class MapsLineTest {

    private static ExecutedFiles.Mapping read(String line) {
        byte[] raw = ("junk\n" + line + "\nmore").getBytes(StandardCharsets.ISO_8859_1);
        return ExecutedFiles.mapping(raw, 5, 5 + line.length());
    }

    @Test
    void aFileMappingGivesItsRangeDeviceAndInode() {
        ExecutedFiles.Mapping m = read("7f1c2a000000-7f1c2a028000 r--p 00000000 fe:01 1835133                    "
                + "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
        assertThat(m.range()).isEqualTo("7f1c2a000000-7f1c2a028000");
        assertThat(m.dev()).isEqualTo(PathCalls.encode(0xfe, 0x01));
        assertThat(m.ino()).isEqualTo(1835133);
    }

    @Test
    void aPathWithSpacesAndWideDeviceNumbersRead() {
        ExecutedFiles.Mapping m = read("55d0c0a00000-55d0c0a02000 r-xp 00002000 103:1a2 42 /tmp/a b (deleted)");
        assertThat(m.dev()).isEqualTo(PathCalls.encode(0x103, 0x1a2));
        assertThat(m.ino()).isEqualTo(42);
    }

    @Test
    void anonymousMemoryHasInodeZero() {
        assertThat(read("7ffd5a1e0000-7ffd5a201000 rw-p 00000000 00:00 0                          [stack]").ino())
                .isZero();
        assertThat(read("7ffd5a1e0000-7ffd5a201000 rw-p 00000000 00:00 0").ino()).isZero();
    }

    @Test
    void aLineThatDoesNotReadSoIsNone() {
        assertThat(read("7ffd5a1e0000-7ffd5a201000 rw-p 00000000")).isNull();
        assertThat(read("7ffd5a1e0000-7ffd5a201000 rw-p 00000000 fe01 12")).isNull();
        assertThat(read("7ffd5a1e0000-7ffd5a201000 rw-p 00000000 fe:01 12x")).isNull();
        assertThat(read("7ffd5a1e0000-7ffd5a201000 rw-p 00000000 fe:zz 12")).isNull();
        assertThat(read("")).isNull();
    }

    @Test
    void everyLineOfThisJvmsMapReads() throws Exception {
        byte[] raw = Files.readAllBytes(Path.of("/proc/self/maps"));
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        long files = 0;
        for (int at = 0, end; at < raw.length; at = end + 1) {
            end = text.indexOf('\n', at);
            end = end < 0 ? raw.length : end;
            ExecutedFiles.Mapping m = ExecutedFiles.mapping(raw, at, end);
            assertThat(m).as(text.substring(at, end)).isNotNull();
            assertThat(text.substring(at, end)).startsWith(m.range() + " ");
            files += m.ino() != 0 ? 1 : 0;
        }
        assertThat(files).as("the JVM's own mapped files (libjvm, the class data)").isPositive();
    }
}

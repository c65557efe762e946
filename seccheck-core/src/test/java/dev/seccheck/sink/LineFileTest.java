package dev.seccheck.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a trail file holds after a write the disk took only in part: on a 64 KiB tmpfs that a
 * filler file has filled, the kernel takes a long line up to the end of the trail's last page and
 * fails the rest. That part becomes a blank line where it lies, and the lines before and after it
 * stay whole. Before, the part was cut off (ftruncate), which also took any line a writer without
 * the lock had appended between the look at the file's size and the cut (once in 9 runs of {@code
 * SharedTrailFileTest}'s outside writer). Root only: the test mounts the tmpfs.
 */
class LineFileTest {
    private static final String EARLIER = "{\"point\":\"earlier\"}\n";
    private static final String LATER = "{\"point\":\"later\"}\n";

    @TempDir
    Path tmp;

    private Path disk;

    @BeforeEach
    void mount() throws Exception {
        assumeThat(new com.sun.security.auth.module.UnixSystem().getUid()).as("root, to mount a tmpfs").isZero();
        disk = Files.createDirectory(tmp.resolve("disk"));
        command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", disk.toString());
    }

    @AfterEach
    void unmount() throws Exception {
        if (disk != null) {
            command("umount", disk.toString());
        }
    }

    @Test
    void thePartOfALineTheDiskTookBecomesABlankLineAndTheLinesAroundItStayWhole() throws Exception {
        Path trail = disk.resolve("trail.json");
        Path filler = disk.resolve("filler");
        try (LineFile file = LineFile.append(trail.toString())) {
            file.write(EARLIER.getBytes(StandardCharsets.UTF_8));
            file.flush();
            fill(filler);
            byte[] line = ("{\"point\":\"long\",\"pad\":\"" + "x".repeat(6000) + "\"}\n").getBytes(StandardCharsets.UTF_8);
            file.write(line);
            assertThatIOException().isThrownBy(file::flush).withMessageContaining("No space left on device");
            long size = Files.size(trail);
            assertThat(size).as("the disk took part of the line: the rest of the trail's page").isGreaterThan(EARLIER.length())
                    .isLessThan(EARLIER.length() + line.length);

            Files.delete(filler);
            file.write(LATER.getBytes(StandardCharsets.UTF_8));
            file.flush();

            String blank = " ".repeat((int) size - EARLIER.length() - 1);
            assertThat(Files.readAllLines(trail)).containsExactly(EARLIER.strip(), blank, LATER.strip());
            assertThat(Files.size(trail)).as("the part blanked where it lay").isEqualTo(size + LATER.length());
        }
    }

    /** Writes to {@code filler} until the disk is full. */
    private static void fill(Path filler) throws IOException {
        byte[] chunk = new byte[4096];
        try (RandomAccessFile f = new RandomAccessFile(filler.toFile(), "rw")) {
            while (true) {
                f.write(chunk);
            }
        } catch (IOException full) {
            assertThat(full).hasMessageContaining("No space left on device");
        }
    }

    private static void command(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", String.join(" ", command), out).isZero();
    }

}

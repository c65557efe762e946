package dev.seccheck.remote.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which directories a saver writes into, and how it names the files there. */
class TraceDirectoryTest {
    @TempDir
    Path tmp;

    private static final Path D = Path.of("/d");

    @Test
    void onlyADirectoryTheSaverOrRootOwnsAndNoOtherCanRewriteIsAccepted() throws IOException {
        TraceDirectory.check(D, 040700, 1000, 1000);
        TraceDirectory.check(D, 040755, 0, 1000);
        TraceDirectory.check(D, 041777, 0, 1000);
        TraceDirectory.check(D, 041770, 1000, 1000);
        assertThatThrownBy(() -> TraceDirectory.check(D, 040700, 65534, 0))
                .hasMessage("/d: owned by uid 65534, not by the user saving (uid 0) or root: its owner could replace"
                        + " the files saved there");
        assertThatThrownBy(() -> TraceDirectory.check(D, 040777, 0, 0)).hasMessageContaining("writable by others");
        assertThatThrownBy(() -> TraceDirectory.check(D, 040770, 0, 0)).hasMessageContaining("writable by its group");
        assertThatThrownBy(() -> TraceDirectory.check(D, 0100644, 0, 0)).hasMessage("/d: is not a directory");
    }

    @Test
    void filesAreCreatedNewAtTheNextFreeNumberNeverThroughALink() throws IOException {
        Path victim = Files.writeString(tmp.resolve("victim"), "keep");
        Path dir = Files.createDirectory(tmp.resolve("d"));
        Files.createSymbolicLink(dir.resolve("client-0001"), victim);
        Files.createSymbolicLink(dir.resolve("client-0003"), tmp.resolve("dangling"));
        TraceDirectory d = TraceDirectory.open(dir);
        for (String expected : new String[] {"client-0002", "client-0004"}) {
            TraceDirectory.Created c = d.create();
            assertThat(c.name()).isEqualTo(expected);
            try (var file = c.file()) {
                file.write(java.nio.ByteBuffer.wrap(new byte[] {1}));
            }
        }
        assertThat(Files.readString(victim)).isEqualTo("keep");
        assertThat(tmp.resolve("dangling")).doesNotExist();
        assertThat(TraceDirectory.open(dir).create().name()).as("a second saver").isEqualTo("client-0005");
        assertThat(Files.size(dir.resolve("client-0002"))).isEqualTo(1);
    }

    @Test
    void aRegularFileIsNotADirectory() throws IOException {
        Path file = Files.writeString(tmp.resolve("f"), "x");
        assertThatThrownBy(() -> TraceDirectory.open(file)).hasMessage(file + ": is not a directory");
    }
}

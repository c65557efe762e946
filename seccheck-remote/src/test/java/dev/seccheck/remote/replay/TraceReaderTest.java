package dev.seccheck.remote.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A trace is read one packet at a time; damage stops it after the intact packets, naming the offset. */
class TraceReaderTest {

    private static byte[] trace(byte[]... packets) {
        return new TraceFile(TraceFile.CONFIG, List.of(packets)).toBytes();
    }

    @Test
    void packetsBeforeTheDamageAreReadThenTheErrorSaysWhere() throws Exception {
        byte[] whole = trace(new byte[] {1, 2}, new byte[] {3}, new byte[] {4, 5, 6});
        byte[] cut = Arrays.copyOf(whole, whole.length - 1);
        try (TraceReader r = new TraceReader(new ByteArrayInputStream(cut))) {
            assertThat(r.next()).isTrue();
            assertThat(Arrays.copyOf(r.packet(), r.length())).containsExactly(1, 2);
            assertThat(r.next()).isTrue();
            assertThat(Arrays.copyOf(r.packet(), r.length())).containsExactly(3);
            long offset = r.offset();
            assertThat(offset).isEqualTo(16 + 8 + 13 + 10 + 9);
            assertThatThrownBy(r::next)
                    .hasMessage("trace file truncated in message 3 at offset " + offset + ": 2 of 3 bytes");
            assertThat(r.count()).isEqualTo(2);
        }
    }

    @Test
    void aConfigIsQuotedEscapedAndCut() {
        byte[] forged = ("[\n\"\u009b2J\u202e" + "x".repeat(500) + "\"]").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> TraceFile.version(forged))
                .hasMessageStartingWith("the trace file's config is not a JSON object: \"[\\n\\\"\\u009b2J\\u202e")
                .hasMessageEndingWith("...(" + forged.length + " bytes)");
        byte[] big = ("{\"version\": 1" + "0".repeat(900) + "}").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> TraceFile.version(big)).message().hasSizeLessThan(400).contains("not an integer");
    }
}

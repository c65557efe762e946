package dev.seccheck.format;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
import org.junit.jupiter.api.Test;

/** JSON lines of the program's strings, as a terminal and a JSON reader see them. */
class JsonLineTest {

    /**
     * A path of C1 sequences (CSI cursor-up, erase-line, OSC 52 writing the clipboard), a bidi
     * override and a line separator came out as raw characters, which act on the terminal the
     * line is written to (stderr by default). They are escaped, and the line decodes to the path.
     */
    @Test
    void charactersThatActOnATerminalAreEscapedAndDecodeToThePath() throws Exception {
        String path = "/tmp/\u009b1A\u009b2K\u009d52;c;aGk=\u009c\u202e\u2028\ufffd-\u00e9";
        Open msg = Open.newBuilder().setFd(-100).setPathname(path).build();

        String line = JsonLine.of("syscall/openat/enter", MessageType.MESSAGE_SYSCALL_OPEN, msg, 0);

        assertThat(line).contains("\\u009b1A\\u009b2K\\u009d52;c;aGk=\\u009c\\u202e\\u2028\\ufffd-\u00e9")
                .doesNotContain("\u009b").doesNotContain("\u202e").doesNotContain("\u2028");
        assertThat(new ObjectMapper().readTree(line).path("fields").path("pathname").asText()).isEqualTo(path);
    }
}

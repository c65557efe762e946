package dev.seccheck.sinks.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** LineOut writes the very bytes PrintStream's print and println wrote, in the stream's charset, one write each. */
class LineOutTest {

    /** ASCII, a character most charsets lack, one outside the BMP, and what an escaped program string looks like. */
    private static final String[] TEXTS = {"8056 true openat(AT_FDCWD, \"/etc/ld.so.cache\"", "cwd=/home/zoë",
        "name=\"\uD83D\uDE00\"", "\"\\x1b[2J\""};

    @ParameterizedTest
    @ValueSource(strings = {"UTF-8", "ISO-8859-1", "US-ASCII", "UTF-16"})
    void writesWhatPrintAndPrintlnWrote(String charsetName) {
        Charset charset = Charset.forName(charsetName);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        ByteArrayOutputStream actual = new ByteArrayOutputStream();
        PrintStream before = new PrintStream(expected, true, charset);
        LineOut now = new LineOut(new PrintStream(actual, true, charset));
        for (String text : TEXTS) {
            before.print(text);
            before.println(text);
            now.part(text);
            now.line(new StringBuilder(text));
        }
        before.flush();
        assertThat(actual.toByteArray()).isEqualTo(expected.toByteArray());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void eachLineOrPartIsOneWriteToTheStream(boolean autoFlush) {
        int[] writes = {0};
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        OutputStream counting = new OutputStream() {
            @Override
            public void write(int b) {
                throw new AssertionError("a line went out byte by byte");
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writes[0]++;
                bytes.write(b, off, len);
            }
        };
        LineOut out = new LineOut(new PrintStream(counting, autoFlush, StandardCharsets.UTF_8));
        out.part("1 sh openat(AT_FDCWD, \"/x\"");
        out.line(") = 3");
        assertThat(writes[0]).isEqualTo(2);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("1 sh openat(AT_FDCWD, \"/x\") = 3" + System.lineSeparator());
    }
}

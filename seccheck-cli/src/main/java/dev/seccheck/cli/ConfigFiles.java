package dev.seccheck.cli;

import dev.seccheck.session.SessionConfigParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * ConfigFiles reads a session file given on the command line: at most
 * {@link SessionConfigParser#MAX_DOCUMENT} bytes through a bounded read (so {@code /dev/zero} or
 * a huge file fails at once instead of filling memory), strictly as UTF-8, and a directory or a
 * missing file is named as such. Every error is one line naming the file.
 */
final class ConfigFiles {
    private ConfigFiles() {}

    /** Returns the text of {@code file}; {@code option} (e.g. "--config") starts every error. */
    static String read(String option, Path file) throws IOException {
        String name = option + " " + file;
        if (Files.isDirectory(file)) {
            throw new IOException(name + ": is a directory, not a session file");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(SessionConfigParser.MAX_DOCUMENT + 1);
        } catch (NoSuchFileException e) {
            throw new IOException(name + ": no such file");
        } catch (AccessDeniedException e) {
            throw new IOException(name + ": permission denied");
        } catch (IOException e) {
            throw new IOException(name + ": cannot read: " + e.getMessage());
        }
        if (bytes.length > SessionConfigParser.MAX_DOCUMENT) {
            throw new IOException(String.format("%s: larger than the %,d-byte limit", name,
                    SessionConfigParser.MAX_DOCUMENT));
        }
        return decode(name, bytes);
    }

    private static String decode(String name, byte[] bytes) throws IOException {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = utf8.decode(in, out, true);
        if (r.isError()) {
            throw new IOException(name + ": not valid UTF-8 at byte " + in.position() + " (session files are UTF-8 JSON)");
        }
        utf8.flush(out);
        return out.flip().toString();
    }
}

package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code seccheck run} hands its program the arguments it was given, byte for byte, whatever the
 * locale: the JVM decodes its command line with the locale's charset, so the command was passed
 * on as text. Under {@code LANG=C}, {@code seccheck run -- echo héllo} printed {@code h��llo}
 * (every byte past ASCII became U+FFFD, encoded back as three bytes); under a UTF-8 locale a
 * Latin-1 {@code caf\xe9} became {@code caf\xef\xbf\xbd}, a file name the program then did not find
 * (red-team round 22). The arguments are made by the shell's printf here, as a test JVM could not
 * pass bytes that are not its charset's.
 */
class CommandBytesTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} under LC_ALL={1}")
    @CsvSource({"caf\\351, C.UTF-8, 63 61 66 e9", "h\\303\\251llo, C, 68 c3 a9 6c 6c 6f",
        "caf\\351, C, 63 61 66 e9", "d\\377/x\\376, POSIX, 64 ff 2f 78 fe"})
    void theProgramGetsItsArgumentsByteForByte(String printf, String locale, String hex) throws Exception {
        // The argument, made by printf, is the command line's last: seccheck's command, then sh's $1.
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "exec \"$@\" \"$(printf '" + printf + "')\"", "sh"));
        cmd.addAll(CliKit.command());
        cmd.addAll(List.of("run", "--quiet", "--", "/bin/sh", "-c", "printf %s \"$1\" | od -An -tx1", "sh"));
        Path err = tmp.resolve("err");
        Path outFile = tmp.resolve("out");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectError(err.toFile())
                .redirectOutput(outFile.toFile());
        Map<String, String> env = pb.environment();
        env.remove("LANG");
        env.put("LC_ALL", locale);
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String out = new String(Files.readAllBytes(outFile), StandardCharsets.ISO_8859_1);
        assertThat(p.exitValue()).as(out + Files.readString(err)).isZero();
        assertThat(out.strip()).as(Files.readString(err)).isEqualTo(hex);
    }
}

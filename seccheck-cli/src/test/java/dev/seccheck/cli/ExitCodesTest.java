package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A command that cannot be started ends {@code seccheck run} as a shell would: 127 not found, 126 not executable. */
class ExitCodesTest {

    @TempDir
    Path tmp;

    @Test
    void missingCommandsExit127() {
        assertThat(Main.execute("run", "--root", tmp.resolve("r").toString(), "--quiet", "--", "/nonexistent/cmd")).isEqualTo(127);
        assertThat(Main.execute("run", "--root", tmp.resolve("r").toString(), "--quiet", "--", "no-such-command-here"))
                .isEqualTo(127);
    }

    @Test
    void nonExecutableFilesExit126() throws Exception {
        Path plain = Files.writeString(tmp.resolve("plain"), "echo hi\n");
        assertThat(Main.execute("run", "--root", tmp.resolve("r").toString(), "--quiet", "--", plain.toString())).isEqualTo(126);
        assertThat(Main.execute("run", "--root", tmp.resolve("r").toString(), "--quiet", "--", tmp.toString())).isEqualTo(126);
    }
}

package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * TestPrograms finds the checkout and compiles the C programs the CLI tests run (this module's
 * {@code src/test/c} and, where a test reuses one, the sentry's); a test is skipped with a message
 * on a machine without gcc.
 */
final class TestPrograms {
    private TestPrograms() {}

    /** Compiles {@code source} into {@code binary} with gcc, failing the test with gcc's output if it does not build. */
    static Path compile(Path source, Path binary) throws IOException, InterruptedException {
        Process cc;
        try {
            cc = new ProcessBuilder("gcc", "-O1", "-Wall", "-o", binary.toString(), source.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("gcc not found: " + source.getFileName() + " needs it");
            throw e;
        }
        String output = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(cc.waitFor(60, TimeUnit.SECONDS)).as("gcc %s ended within 60 s", source).isTrue();
        assertThat(cc.exitValue()).as("gcc: %s", output).isZero();
        return binary;
    }

    /** The checkout's root: the working directory (the module) or its parent, whichever has the launcher's scripts. */
    static Path repoRoot() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p : List.of(here, here.getParent())) {
            if (Files.exists(p.resolve("scripts/caller.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find scripts/caller.sh from " + here);
    }

    /** A shell fragment that traps each of {@code signals} and appends its name to {@code got} when caught. */
    static String traps(Path got, List<String> signals) {
        return "for s in " + String.join(" ", signals) + "; do trap \"echo $s >> " + got + "\" $s; done; ";
    }

    /**
     * Writes, into {@code dir}, a session with one point (openat's enter) and the null sink: a
     * run that supervises its program and prints nothing. Returns the file.
     */
    static Path nullSession(Path dir) throws IOException {
        return Files.writeString(dir.resolve("null-session.json"), "{\"trace_session\":{\"name\":\"n\",\"points\":"
                + "[{\"name\":\"syscall/openat/enter\"}],\"sinks\":[{\"name\":\"null\"}]}}");
    }
}

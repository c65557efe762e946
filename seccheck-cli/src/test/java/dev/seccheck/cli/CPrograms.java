package dev.seccheck.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * CPrograms builds the C test programs the CLI tests run (this module's src/test/c, and the
 * sentry's every_syscall) and runs strace beside seccheck; a test without gcc or strace is
 * skipped, saying what to install.
 */
final class CPrograms {
    private CPrograms() {}

    /** Compiles {@code source} (relative to this module, e.g. {@code src/test/c/fixed_calls.c}) into {@code dir}. */
    static Path compile(String source, Path dir, String... flags) throws IOException, InterruptedException {
        Assumptions.assumeTrue(onPath("gcc"), "gcc is not installed (apt-get install gcc libc6-dev)");
        Path src = Path.of(source).toAbsolutePath();
        String name = src.getFileName().toString().replace(".c", "");
        Path out = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of("gcc", "-O1", "-Wall"));
        cmd.addAll(List.of(flags));
        cmd.addAll(List.of("-o", out.toString(), src.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("gcc " + source + " failed:\n" + log);
        }
        return out;
    }

    /** Runs {@code strace ARGS...} to completion (skipping the test when strace is missing) and returns its exit status. */
    static int strace(String... args) throws IOException, InterruptedException {
        Assumptions.assumeTrue(onPath("strace"), "strace is not installed (apt-get install strace; CI installs it)");
        List<String> cmd = new ArrayList<>(List.of("strace"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("strace " + String.join(" ", args) + " did not end within 120 s");
        }
        return p.exitValue();
    }

    /** Says whether a program is on PATH. */
    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}

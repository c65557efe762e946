package dev.seccheck.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * ProcessResult is how a command a test ran to its end finished: its exit code and its stdout
 * and stderr together, for tests that run seccheck in a JVM of its own against hostile programs.
 */
record ProcessResult(int code, String out) {

    /**
     * Runs {@code cmd} in {@code dir} with stdin from /dev/null and its output in a temporary file
     * there. Past {@code timeoutSeconds} it and its descendants are killed (a supervisor an
     * attack stopped may leave its workload behind) and the test fails naming the command.
     */
    static ProcessResult of(List<String> cmd, Path dir, int timeoutSeconds) throws Exception {
        Path out = Files.createTempFile(dir, "out", "");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("timed out after " + timeoutSeconds + " s: " + cmd + "\n" + Files.readString(out));
        }
        return new ProcessResult(p.exitValue(), Files.readString(out));
    }

    /** Gives {@code p} {@code graceSeconds} to end, then kills it and waits for it (a test's clean-up). */
    static void end(Process p, int graceSeconds) throws InterruptedException {
        if (!p.waitFor(graceSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}

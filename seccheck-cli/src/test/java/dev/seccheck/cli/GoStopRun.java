package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * GoStopRun drives a test program that makes a file once it is ready, waits for DIR/go, prints
 * one line, and ends once DIR/stop exists: so a test can look at seccheck's process (its threads,
 * what they wait in) between the program's work and its end, while the program still lives.
 */
final class GoStopRun {
    private GoStopRun() {}

    /** What a test checks of seccheck's process while the program, its line printed, still lives. */
    @FunctionalInterface
    interface WhileItLives {
        /**
         * @param proc /proc of the process started (seccheck's under seccheck: setpriv execs the JVM)
         * @param threadsBefore its thread count before DIR/go was made
         */
        void check(Path proc, int threadsBefore) throws Exception;
    }

    /**
     * Starts {@code pb} in {@code cwd} (its output in files beside {@code dir}), waits for
     * DIR/{@code ready}, counts seccheck's threads, makes DIR/go, checks the program's line is
     * {@code expected}, runs {@code whileItLives} under seccheck, then makes DIR/stop and checks
     * the program exits 0.
     */
    static void run(ProcessBuilder pb, Path cwd, Path dir, String ready, String expected, boolean underSeccheck,
            WhileItLives whileItLives) throws Exception {
        Path out = dir.resolveSibling(dir.getFileName() + ".out");
        Path err = dir.resolveSibling(dir.getFileName() + ".err");
        Process p = pb.directory(cwd.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        Path proc = Path.of("/proc", Long.toString(p.pid()));
        String what = underSeccheck ? "under seccheck" : "natively";
        try {
            PackagedCli.await(what + ": the program waiting for go", Duration.ofSeconds(60),
                    () -> Files.exists(dir.resolve(ready)) || !p.isAlive());
            int before = underSeccheck ? PackagedCli.threads(proc.resolve("status")) : 0;
            Files.createFile(dir.resolve("go"));
            PackagedCli.await(what + ": the program's line", Duration.ofSeconds(60),
                    () -> Files.readString(out).endsWith("\n") || !p.isAlive());
            assertThat(Files.readString(out)).as(what + ": " + Files.readString(err)).isEqualTo(expected);
            if (underSeccheck) {
                whileItLives.check(proc, before);
            }
            Files.createFile(dir.resolve("stop"));
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(what + ": ends").isTrue();
            assertThat(p.exitValue()).as(what + ": " + Files.readString(err)).isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    /** Waits until the process at {@code proc} has at most {@code before + slack} threads again. */
    static void awaitThreadsBack(Path proc, int before, int slack, Duration deadline) throws Exception {
        Path status = proc.resolve("status");
        PackagedCli.await("seccheck's threads back to at most " + before + " + " + slack + " (from "
                + PackagedCli.threads(status) + ")", deadline, () -> PackagedCli.threads(status) <= before + slack);
    }
}

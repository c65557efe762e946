package dev.seccheck.sentry.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;

/**
 * CWorkloads compiles the C test programs of {@code src/test/c} with gcc, once per JVM, into
 * {@code target/c-workloads/} and hands out the binaries. A test that needs one is skipped,
 * with a message saying so, on a machine without gcc.
 */
public final class CWorkloads {
    private CWorkloads() {}

    private static final Map<String, Path> BUILT = new ConcurrentHashMap<>();

    /**
     * Returns {@code every_syscall}: makes each of the 54 schematized syscalls at least once.
     * Run it as {@code every_syscall SCRATCH_DIR} (an empty, writable directory); it prints one
     * line per step ({@code "openat = 3"}) and exits 0 when every step that must succeed did.
     */
    public static Path everySyscall() {
        return binary("every_syscall");
    }

    /** Returns the binary built from {@code src/test/c/<name>.c}, compiling it on first use. */
    public static Path binary(String name) {
        return BUILT.computeIfAbsent(name, CWorkloads::compile);
    }

    private static Path compile(String name) {
        Path source = sourceDir().resolve(name + ".c");
        if (!Files.isRegularFile(source)) {
            throw new IllegalArgumentException("no C workload " + name + ": " + source.toAbsolutePath() + " does not exist");
        }
        Path gcc = findOnPath("gcc");
        Assumptions.assumeTrue(gcc != null,
            "gcc not found on PATH: install gcc and libc6-dev to build the C test workload " + name + " (.ci/run does)");
        try {
            Path outDir = moduleDir().resolve("target/c-workloads");
            Files.createDirectories(outDir);
            Path out = outDir.resolve(name);
            // Build under a unique name then rename, so that parallel test JVMs never run a half-written binary.
            Path tmp = Files.createTempFile(outDir, name, ".tmp");
            Process p = new ProcessBuilder(gcc.toString(), "-O1", "-Wall", "-o", tmp.toString(), source.toString())
                .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            if (rc != 0) {
                Files.deleteIfExists(tmp);
                throw new IllegalStateException("gcc failed (exit " + rc + ") compiling " + source + ":\n" + output);
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("compiling " + source, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while compiling " + source, e);
        }
    }

    /** Surefire runs in the module directory; an IDE may run in the repository root. */
    private static Path moduleDir() {
        Path here = Path.of("").toAbsolutePath();
        for (Path candidate : List.of(here, here.resolve("seccheck-sentry"))) {
            if (Files.isDirectory(candidate.resolve("src/test/c"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("cannot find seccheck-sentry/src/test/c from " + here);
    }

    private static Path sourceDir() {
        return moduleDir().resolve("src/test/c");
    }

    private static Path findOnPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}

package dev.seccheck.remote;

import java.nio.file.Files;
import java.nio.file.Path;

/** Fixtures finds the shared gVisor fixtures beside the repository ({@code ../shared/fixtures}). */
public final class Fixtures {
    private Fixtures() {}

    /** Returns the recorded gVisor trace of {@code echo 123}, failing clearly when it is absent. */
    public static Path echoTrace() {
        Path dir = Path.of("").toAbsolutePath();
        // Tests run from the module directory; the repository root is its parent.
        for (Path p = dir; p != null; p = p.getParent()) {
            Path f = p.resolveSibling("shared").resolve("fixtures").resolve("gvisor-runsc-echo-123.trace");
            if (p.getParent() != null && Files.isRegularFile(f)) {
                return f;
            }
        }
        throw new AssertionError("fixture gvisor-runsc-echo-123.trace not found in ../shared/fixtures beside the"
                + " repository (looked upward from " + dir + ")");
    }
}

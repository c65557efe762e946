package dev.seccheck.cli;

import dev.seccheck.control.RuntimeRoot;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** RootOption is the {@code --root} option shared by the commands that find runs, like runsc's. */
final class RootOption {
    @Option(names = "--root", paramLabel = "DIR",
            description = "Runtime directory holding the runs (default: $XDG_RUNTIME_DIR/seccheck, /run/seccheck for root, "
                    + "else /tmp/seccheck-<uid>).")
    Path root;

    RuntimeRoot runtimeRoot() {
        return new RuntimeRoot(root != null ? root : RuntimeRoot.defaultPath());
    }
}

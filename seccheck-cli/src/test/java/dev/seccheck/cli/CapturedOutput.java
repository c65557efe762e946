package dev.seccheck.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * CapturedOutput replaces {@code System.err} (or {@code System.out}) for each test of a class that
 * registers it ({@code @RegisterExtension final CapturedOutput err = CapturedOutput.stderr();}) and
 * restores it afterwards: for tests that run the CLI in this JVM with {@link Main#execute} and
 * check the lines it printed.
 */
final class CapturedOutput implements BeforeEachCallback, AfterEachCallback {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final Supplier<PrintStream> get;
    private final Consumer<PrintStream> set;
    private PrintStream saved;

    private CapturedOutput(Supplier<PrintStream> get, Consumer<PrintStream> set) {
        this.get = get;
        this.set = set;
    }

    /** Captures {@code System.err}. */
    static CapturedOutput stderr() {
        return new CapturedOutput(() -> System.err, System::setErr);
    }

    /** Captures {@code System.out}. */
    static CapturedOutput stdout() {
        return new CapturedOutput(() -> System.out, System::setOut);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        saved = get.get();
        set.accept(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        set.accept(saved);
    }

    /** Returns what was printed since the test began or the last {@link #reset}. */
    String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Forgets what was printed so far. */
    void reset() {
        bytes.reset();
    }

    /** The captured text, so an assertion's description can show it. */
    @Override
    public String toString() {
        return text();
    }
}

package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.points.Catalog;
import dev.seccheck.sentry.DefaultSession;
import dev.seccheck.session.SessionConfig;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SinkSpec;
import dev.seccheck.sink.SinkRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The built-in session made in code is the one its JSON file documents, point for point. Here
 * rather than beside DefaultSession in the sentry: the text sink it names lives in seccheck-sinks,
 * which the cli brings onto the class path.
 */
class DefaultSessionTest {
    @RegisterExtension
    final CapturedOutput out = CapturedOutput.stdout();

    private final Catalog catalog = Catalog.standard();
    private final SinkRegistry sinks = SinkRegistry.discover();

    @Test
    void builtInCodeIsTheParsedFile() throws Exception {
        SessionConfig parsed = new SessionConfigParser(catalog, sinks).parse(DefaultSession.json());
        SessionConfig built = DefaultSession.config(catalog, sinks);

        assertThat(built.name()).isEqualTo(parsed.name());
        // Points in the file's order, each with the same optional and context field masks.
        assertThat(built.points()).containsExactlyElementsOf(parsed.points());
        assertThat(built.options()).isEqualTo(parsed.options());
        assertThat(built.sinks()).hasSameSizeAs(parsed.sinks());
        for (int i = 0; i < parsed.sinks().size(); i++) {
            SinkSpec b = built.sinks().get(i);
            SinkSpec p = parsed.sinks().get(i);
            assertThat(b.descriptor()).isSameAs(p.descriptor());
            assertThat(b.ignoreSetupError()).isEqualTo(p.ignoreSetupError());
            assertThat(b.config().path()).isEqualTo(p.config().path());
            assertThat(b.config().keys()).isEqualTo(p.config().keys());
        }
    }

    @Test
    void printConfigStillPrintsTheFile() throws Exception {
        assertThat(Main.execute("run", "--quiet", "--print-config")).isZero();
        assertThat(out.text()).isEqualTo(DefaultSession.json() + System.lineSeparator());
    }

    @Test
    void theSessionIsNotEmpty() {
        // Guards the comparison above against both sides going empty together.
        SessionConfig built = DefaultSession.config(catalog, sinks);
        assertThat(built.points()).hasSize(4 + 2 * 18);
        assertThat(built.sinks()).extracting(SinkSpec::name).isEqualTo(List.of("text"));
    }
}

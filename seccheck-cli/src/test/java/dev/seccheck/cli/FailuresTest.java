package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Every failure of a command is one escaped line and a non-zero exit, an Error included. */
class FailuresTest {

    /** A command that throws what it is given. */
    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        private final Throwable t;

        Boom(Throwable t) {
            this.t = t;
        }

        @Override
        public Integer call() throws Exception {
            switch (t) {
                case Error e -> throw e;
                case Exception e -> throw e;
                default -> throw new IllegalStateException(t);
            }
        }
    }

    private static String run(Throwable t, int status) {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Boom(t));
        cli.setErr(new PrintWriter(err, true));
        assertThat(Failures.execute(cli)).isEqualTo(status);
        return err.toString();
    }

    @Test
    void errorsTheJvmRecoversFromAreOneLine() {
        assertThat(run(new OutOfMemoryError("Java heap space"), 1))
                .isEqualTo("boom: out of memory (java.lang.OutOfMemoryError: Java heap space)" + System.lineSeparator());
        assertThat(run(new StackOverflowError(), 1))
                .isEqualTo("boom: out of stack (java.lang.StackOverflowError)" + System.lineSeparator());
    }

    @Test
    void messagesAreEscapedOntoOneLine() {
        assertThat(run(new java.io.IOException("f: config \"x\nseccheck: ok\u001b[2J\u009b\u202e\""), 1))
                .isEqualTo("boom: f: config \"x\\nseccheck: ok\\x1b[2J\\u009b\\u202e\"" + System.lineSeparator());
    }

    /** A usage error quotes the argument given: its line is escaped as well, and the usage follows. */
    @Test
    void usageErrorsAreEscapedToo() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Boom(new IllegalStateException("not run")));
        cli.setErr(new PrintWriter(err, true));
        assertThat(Failures.execute(cli, "--x\nseccheck: ok\u001b[2J")).isEqualTo(2);
        assertThat(err.toString()).startsWith("Unknown option: '--x\\nseccheck: ok\\x1b[2J'" + System.lineSeparator())
                .contains("Usage: boom").doesNotContain("\u001b");
    }
}

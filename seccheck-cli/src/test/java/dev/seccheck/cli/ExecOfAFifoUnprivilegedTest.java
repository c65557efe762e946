package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.cli.PackagedCli.Result;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sentry's ExecOfAFifoTest with seccheck itself unprivileged: the packaged CLI as uid 65534,
 * under the default session, runs a program that executes a FIFO and then a device. The tracer's
 * {@code #!} check must neither wait for a writer on the FIFO nor open the device; the run ends,
 * each exec refused as natively (the shell's 126).
 */
class ExecOfAFifoUnprivilegedTest {

    @TempDir
    Path tmp;

    @Test
    void anUnprivilegedRunWhoseProgramExecutesAFifoEnds() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        Path work = PackagedCli.nobodysDir(tmp.resolve("w"));
        Path xdg = PackagedCli.nobodysDir(tmp.resolve("xdg"));
        Path fifo = work.resolve("fifo");
        String script = "mkfifo " + fifo + " && chmod +x " + fifo + "; " + fifo + "; a=$?; /dev/null; b=$?; "
                + "[ $a = 126 ] && [ $b = 126 ] && exit 7; exit 1";
        ProcessBuilder run = new ProcessBuilder(PackagedCli.asNobody(classpath, "run", "--quiet", "--", "sh", "-c", script));
        run.environment().put("XDG_RUNTIME_DIR", xdg.toString());
        Result r = PackagedCli.run(run, tmp, Duration.ofSeconds(120));
        assertThat(r.status()).as("both execs refused with EACCES, as natively; stderr: %s", r.err()).isEqualTo(7);
    }
}

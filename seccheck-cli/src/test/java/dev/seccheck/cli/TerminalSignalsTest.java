package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The signals a terminal sends (Ctrl-C, Ctrl-\, a window resize) go to its whole foreground
 * process group, which under {@code seccheck run} holds seccheck and the program: the program
 * gets each once, as natively. Before, seccheck forwarded its own copy too, so one Ctrl-C reached
 * the program twice (a Python program's cleanup after KeyboardInterrupt was cut short by a second
 * one), and a program that handles Ctrl-C and runs on was killed once the grace period of a run's
 * INT had passed. Each case runs natively and under seccheck, in a pty of its own
 * ({@code keys_in_pty.py}: a test's process has no terminal).
 */
class TerminalSignalsTest {

    @TempDir
    Path tmp;

    private Path keys;
    private Path program;

    @BeforeEach
    void programs() throws Exception {
        keys = tmp.resolve("keys_in_pty.py");
        try (InputStream in = TerminalSignalsTest.class.getResourceAsStream("keys_in_pty.py")) {
            Files.copy(in, keys);
        }
        program = CPrograms.compile("src/test/c/signal_count.c", tmp);
    }

    /** What the program prints when {@code typed} is typed at its terminal, natively or under seccheck. */
    private String typed(boolean supervised, String typed, int seconds) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", keys.toString()));
        if (supervised) {
            cmd.addAll(PackagedCli.java(System.getProperty("java.class.path")));
            cmd.addAll(List.of("run", "--quiet", "-o", "/dev/null", "--root", tmp.resolve("root").toString(), "--"));
        }
        cmd.addAll(List.of(program.toString(), Integer.toString(seconds)));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("KEYS", typed);
        PackagedCli.Result r = PackagedCli.run(pb, tmp, Duration.ofSeconds(120));
        assertThat(r.status()).as((supervised ? "under seccheck: " : "natively: ") + r.out() + r.err()).isZero();
        return r.out().replace("^C", "").replace("^\\", ""); // the terminal echoes the keys
    }

    @Test
    void eachKeysSignalReachesTheProgramOnce() throws Exception {
        String expected = "ready\nsignal 2 x1\nsignal 3 x1\nsignal 28 x1\ndone\n";
        assertThat(typed(false, "int,quit,winch", 3)).as("natively").isEqualTo(expected);
        assertThat(typed(true, "int,quit,winch", 3)).as("under seccheck").isEqualTo(expected);
    }

    /** Longer than the 5 s grace a run gives its program after an INT sent to seccheck alone. */
    @Test
    void aProgramThatHandlesCtrlCRunsOnAsNatively() throws Exception {
        String expected = "ready\nsignal 2 x1\ndone\n";
        assertThat(typed(false, "int", 7)).as("natively").isEqualTo(expected);
        assertThat(typed(true, "int", 7)).as("under seccheck").isEqualTo(expected);
    }
}

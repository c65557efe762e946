package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /dev/tty} is the opener's controlling terminal, and a terminal opened without O_NOCTTY
 * by a session leader without one becomes its controlling terminal. Where seccheck performs the program's
 * opens (the default session), an open of it made by seccheck gave seccheck's terminal, the one
 * the user types into: a program that had left it ({@code setsid}, a daemon), which natively gets
 * ENXIO, could read the user's keys; one in a terminal of its own (a pty: tmux, script) got the
 * user's instead (that daemon is {@code SupervisorDefenseTest}'s, as this user and as uid
 * 65534). Each case runs natively and under {@code seccheck run}, both inside a pty of their own
 * ({@code in_pty.py}): a test's process has no terminal.
 */
class ControllingTerminalTest {

    /** Opens /dev/tty and says whose session's terminal it is: the caller's, another, or none; argv[1] tags the line. */
    private static final String PROBE = """
            import fcntl, os, struct, sys
            def probe(tag):
                try:
                    fd = os.open("/dev/tty", os.O_RDWR)
                except OSError as e:
                    print(tag, "open /dev/tty:", e.strerror, flush=True)
                    return
                try:
                    sid = struct.unpack("i", fcntl.ioctl(fd, 0x5429, b"\\0\\0\\0\\0"))[0]  # TIOCGSID
                    print(tag, "the terminal of", "its own session" if sid == os.getsid(0) else "another session", flush=True)
                except OSError as e:
                    print(tag, "a terminal not its own:", e.strerror, flush=True)
            probe(sys.argv[1])
            """;

    @TempDir
    Path tmp;

    private Path inPty;
    private Path probe;

    @BeforeEach
    void scripts() throws Exception {
        inPty = tmp.resolve("in_pty.py");
        try (InputStream in = ControllingTerminalTest.class.getResourceAsStream("in_pty.py")) {
            Files.copy(in, inPty);
        }
        probe = Files.writeString(tmp.resolve("probe.py"), PROBE);
    }

    /** What the probe prints, in a pty of its own; under seccheck when {@code supervised}; {@code nested} in a second pty. */
    private String run(boolean supervised, boolean nested, String mode) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", inPty.toString()));
        if (supervised) {
            cmd.addAll(PackagedCli.java(System.getProperty("java.class.path")));
            cmd.addAll(List.of("run", "--quiet", "-o", "/dev/null", "--"));
        }
        if (nested) {
            cmd.addAll(List.of("/usr/bin/python3", inPty.toString()));
        }
        cmd.addAll(List.of("/usr/bin/python3", probe.toString(), mode));
        PackagedCli.Result r = PackagedCli.run(new ProcessBuilder(cmd), tmp, java.time.Duration.ofSeconds(120));
        assertThat(r.status()).as(r.out() + r.err()).isZero();
        return r.out();
    }

    @Test
    void aProgramInATerminalOfItsOwnGetsThatOne() throws Exception {
        assertThat(run(false, true, "nested")).contains("nested the terminal of its own session");
        assertThat(run(true, true, "nested")).contains("nested the terminal of its own session");
    }

    @Test
    void aProgramInSecchecksTerminalGetsItAsBefore() throws Exception {
        assertThat(run(false, false, "same")).contains("same the terminal of its own session");
        assertThat(run(true, false, "same")).contains("same the terminal of its own session");
    }

    /** Opens a new pty's slave without O_NOCTTY and prints the controlling terminal of its parent, seccheck. */
    private static final String OPEN_A_TERMINAL = """
            import os
            m, s = os.openpty()
            fd = os.open(os.ttyname(s), os.O_RDWR)
            stat = open("/proc/%d/stat" % os.getppid()).read()
            print("seccheck tty_nr", stat[stat.rindex(")") + 2:].split()[4], flush=True)
            """;

    /**
     * A seccheck that leads its session without a terminal (started by setsid, or as a service)
     * opened the program's terminals itself without O_NOCTTY and so took the first as its own
     * controlling terminal, whose hangup would then end the run. It opens with O_NOCTTY now.
     */
    @Test
    void aTerminalTheProgramOpensNeverBecomesSecchecks() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setsid", "-w"));
        cmd.addAll(PackagedCli.java(System.getProperty("java.class.path")));
        cmd.addAll(List.of("run", "--quiet", "-o", "/dev/null", "--", "/usr/bin/python3",
                Files.writeString(tmp.resolve("open.py"), OPEN_A_TERMINAL).toString()));
        PackagedCli.Result r = PackagedCli.run(new ProcessBuilder(cmd), tmp, java.time.Duration.ofSeconds(120));
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("seccheck tty_nr 0\n");
    }
}

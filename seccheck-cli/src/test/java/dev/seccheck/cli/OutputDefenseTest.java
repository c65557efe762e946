package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The program shares seccheck's output, the terminal or socket that is its stderr, and must not
 * be able to make seccheck's lines about what it does next fail: a null line discipline on the
 * terminal ({@code TIOCSETD}), a hangup of it ({@code vhangup}, {@code TIOCVHANGUP}), the socket
 * shut for writing ({@code shutdown}). Each attack ({@code output_attack.py}) is made natively
 * first, to show it works there, then under {@code seccheck run} with a session writing a line
 * for every open; the program then opens a file 50 times and signals its parent (seccheck, which
 * refuses it). What each call returned goes to a file, as the shared output may be lost.
 */
class OutputDefenseTest {

    private static final String PY = "/usr/bin/python3";
    private static final String OPEN_LINE = "openat(AT_FDCWD, \"/etc/hostname\"";

    @org.junit.jupiter.api.io.TempDir
    Path tmp;

    private Path attack;
    private Path opens;

    @BeforeEach
    void files() throws IOException {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        attack = resource("output_attack.py");
        opens = Files.writeString(tmp.resolve("opens.json"), """
                {"name": "opens", "points": [{"name": "syscall/openat/enter"}], "sinks": [{"name": "text"}]}""");
        Files.setPosixFilePermissions(opens, PosixFilePermissions.fromString("rw-r--r--"));
    }

    /**
     * The null line discipline (N_NULL) on the terminal seccheck writes to, which any user may set
     * on a terminal it has open: every later write there failed with EOPNOTSUPP, and seccheck's
     * lines (the trail, its alerts "refused ...") were dropped silently, none of the 50 opens nor
     * the refused signal shown. The guard refuses TIOCSETD.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aNullLineDisciplineDoesNotSilenceSeccheck(boolean nobody) throws Exception {
        skipUnlessPossible(nobody);
        List<String> natively = natively(List.of(PY, resource("in_pty.py").toString()), nobody, "ldisc");
        Assumptions.assumeFalse(natively.contains("TIOCSETD errno=22 EINVAL"),
                () -> "this kernel has no null line discipline: " + natively);
        assertThat(natively).containsExactly("TIOCSETD ok", "WRITE errno=95 ENOTSUP", nativeKill(nobody), "DONE");

        Result r = underSeccheck(List.of(PY, resource("in_pty.py").toString()), nobody, "ldisc");
        assertThat(r.results).as(r.out).containsExactly("TIOCSETD errno=1 EPERM", "WRITE ok", "KILL errno=1 EPERM", "DONE");
        assertReported(r, "ioctl");
    }

    /**
     * A hangup of the terminal (vhangup, with CAP_SYS_TTY_CONFIG; TIOCVHANGUP, with CAP_SYS_ADMIN):
     * every later write there failed with EIO. Refused by the guard. As uid 65534 the kernel
     * refuses both itself.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"vhangup", "tiocvhangup"})
    void aHangupOfTheTerminalDoesNotSilenceSeccheck(String how) throws Exception {
        Assumptions.assumeTrue(isRoot(), "a hangup needs root");
        String call = how.toUpperCase();
        List<String> natively = natively(List.of(PY, resource("in_pty.py").toString()), false, how);
        assertThat(natively).containsExactly(call + " ok", "WRITE errno=5 EIO", "KILL ok", "DONE");

        Result r = underSeccheck(List.of(PY, resource("in_pty.py").toString()), false, how);
        assertThat(r.results).as(r.out).containsExactly(call + " errno=1 EPERM", "WRITE ok", "KILL errno=1 EPERM", "DONE");
        assertReported(r, how.equals("vhangup") ? "vhangup" : "ioctl");
    }

    /**
     * stderr a unix socket, as a systemd service's journal stream: {@code shutdown(2, SHUT_WR)}
     * made seccheck's every later write fail with EPIPE. Now a shutdown of seccheck's output
     * socket, by any number (a dup of it too), is refused with EPERM, and a shutdown of any other
     * socket, or of what is no socket, answers exactly as natively.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aShutdownOfTheOutputSocketIsRefusedAndEveryOtherAnswersAsNatively(boolean nobody) throws Exception {
        skipUnlessPossible(nobody);
        List<String> natively = natively(List.of(PY, resource("on_socket.py").toString()), nobody, "shutdown");
        List<String> others = List.of("SHUT_WR own socketpair ok", "peer reads b''", "SHUT_RDWR own socketpair ok",
                "bad how errno=22 EINVAL", "SHUT_WR unconnected tcp errno=107 ENOTCONN",
                "SHUT_WR a file errno=88 ENOTSOCK", "SHUT_WR a closed fd errno=9 EBADF",
                "SHUT_WR a negative fd errno=9 EBADF");
        List<String> expected = new ArrayList<>(others);
        expected.addAll(List.of("SHUT_WR stderr's dup ok", "SHUT_WR stderr ok", "SHUT_RDWR stdout ok",
                "WRITE errno=32 EPIPE", nativeKill(nobody), "DONE"));
        assertThat(natively).containsExactlyElementsOf(expected);

        Result r = underSeccheck(List.of(PY, resource("on_socket.py").toString()), nobody, "shutdown");
        expected = new ArrayList<>(others);
        expected.addAll(List.of("SHUT_WR stderr's dup errno=1 EPERM", "SHUT_WR stderr errno=1 EPERM",
                "SHUT_RDWR stdout errno=1 EPERM", "WRITE ok", "KILL errno=1 EPERM", "DONE"));
        assertThat(r.results).as(r.out).containsExactlyElementsOf(expected);
        assertReported(r, "shutdown");
    }

    /** What signal 0 to the program's parent, the wrapper (root's), answers natively. */
    private static String nativeKill(boolean nobody) {
        return nobody ? "KILL errno=1 EPERM" : "KILL ok";
    }

    /** How a run ended, what it printed (seccheck's lines and the program's), and what the program's calls returned. */
    private record Result(int code, String out, List<String> results) {}

    /**
     * Asserts that every line seccheck had to write arrived (the 50 opens, the refused signal, the
     * refused attack) and that the run ended well.
     */
    private static void assertReported(Result r, String refused) {
        assertThat(r.out.lines().filter(l -> l.contains(OPEN_LINE))).as("seccheck's lines: %s", r.out).hasSize(50);
        assertThat(r.out).containsPattern("seccheck: refused kill from task \\d+ \\(python3\\)")
                .containsPattern("seccheck: refused " + refused + " from task \\d+ \\(python3\\)");
        assertThat(r.code).as(r.out).isZero();
    }

    /** Runs the attack in {@code wrapper} natively, as this user or uid 65534; returns what its calls returned. */
    private List<String> natively(List<String> wrapper, boolean nobody, String how) throws Exception {
        Result r = underOrNot(wrapper, nobody, false, how);
        assertThat(r.code).as(r.out).isZero();
        return r.results;
    }

    private Result underSeccheck(List<String> wrapper, boolean nobody, String how) throws Exception {
        return underOrNot(wrapper, nobody, true, how);
    }

    private Result underOrNot(List<String> wrapper, boolean nobody, boolean supervised, String how) throws Exception {
        Path results = tmp.resolve("results-" + how + "-" + nobody + "-" + supervised);
        List<String> program = List.of(PY, attack.toString(), how, results.toString());
        List<String> cmd = new ArrayList<>(wrapper);
        if (supervised) {
            cmd.addAll(PackagedCli.run(tmp, nobody, opens, program));
        } else {
            cmd.addAll(nobody ? PackagedCli.nobody(program.toArray(String[]::new)) : program);
        }
        ProcessResult p = ProcessResult.of(cmd, tmp, 120);
        assertThat(results).as(p.out()).exists();
        return new Result(p.code(), p.out(), Files.readAllLines(results));
    }

    /** A resource of this package, copied where every user can read it. */
    private Path resource(String name) throws IOException {
        Path copy = tmp.resolve(name);
        if (!Files.exists(copy)) {
            try (InputStream in = OutputDefenseTest.class.getResourceAsStream(name)) {
                Files.copy(in, copy);
            }
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
        }
        return copy;
    }

    private static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }

    private static void skipUnlessPossible(boolean nobody) {
        Assumptions.assumeTrue(!nobody || isRoot(), "switching to uid 65534 needs root");
    }
}

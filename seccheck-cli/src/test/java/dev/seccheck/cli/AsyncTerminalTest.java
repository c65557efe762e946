package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Turning O_ASYNC on for a terminal makes the kernel itself give the file an owner: the
 * terminal's foreground process group, which under {@code seccheck run} is seccheck's, shared with
 * the program. A key typed then sent that group the file's signal, SIGIO or whatever
 * {@code F_SETSIG} named: a program killed seccheck with SIGKILL without naming it anywhere, and a
 * benign program that takes SIGIO for its terminal input had seccheck killed by that SIGIO at the
 * first key. Now the owner is the caller's process whenever it would be seccheck's group, as the
 * run's log says. {@code async_terminal.c} runs in a pty of its own ({@code keys_in_pty.py}, which
 * types a line), as this user and as uid 65534.
 */
class AsyncTerminalTest {

    @TempDir
    Path tmp;

    private Path keys;
    private Path program;

    @BeforeEach
    void programs() throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        keys = tmp.resolve("keys_in_pty.py");
        try (InputStream in = AsyncTerminalTest.class.getResourceAsStream("keys_in_pty.py")) {
            Files.copy(in, keys);
        }
        Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rw-r--r--"));
        program = CPrograms.compile("src/test/c/async_terminal.c", tmp);
    }

    /** The program with {@code args} in a pty of its own, typed a line once ready; under seccheck when {@code supervised}. */
    private PackagedCli.Result typed(boolean supervised, boolean nobody, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(program.toString()));
        command.addAll(List.of(args));
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", keys.toString()));
        ProcessBuilder pb;
        if (nobody) {
            pb = PackagedCli.asNobodyNativeOrUnderSeccheckProcess(tmp, PackagedCli.forNobody(tmp), supervised, command);
        } else {
            pb = PackagedCli.nativeOrUnderSeccheckProcess(tmp, supervised, command);
        }
        cmd.addAll(pb.command()); // under seccheck, its own lines (seccheck: ...) go to the terminal too
        pb.command(cmd);
        pb.environment().put("KEYS", "line");
        return PackagedCli.run(pb, tmp, Duration.ofSeconds(120));
    }

    /**
     * A child in a process group of its own turns O_ASYNC on for the terminal with F_SETSIG naming
     * SIGKILL; its parent stays in the foreground group. Natively the kernel makes that group the
     * owner, and the typed line kills the parent. Under seccheck that group was seccheck's: the
     * line killed seccheck, and the run with it. Now the child owns the file and gets its SIGKILL.
     */
    @ParameterizedTest(name = "{0}, as uid 65534: {1}")
    @CsvSource({"fcntl, false", "ioctl, false", "fcntl, true", "ioctl, true"})
    void oAsyncOnTheTerminalDoesNotSignalSeccheck(String how, boolean nobody) throws Exception {
        PackagedCli.Result natively = typed(false, nobody, "attack", how);
        assertThat(natively.out()).as("natively").contains("owner the foreground group").doesNotContain("parent survived");
        assertThat(natively.status()).as("natively: the parent, in the foreground group, is killed").isEqualTo(256 - 9);

        PackagedCli.Result r = typed(true, nobody, "attack", how);
        assertThat(r.out()).as(r.out() + r.err())
                .contains("child O_ASYNC on; owner the child", "child killed by signal 9", "parent survived")
                .containsPattern("seccheck: O_ASYNC on the terminal from task \\d+ \\(async_terminal\\): its signals go"
                        + " to process \\d+, not to the terminal's foreground process group, which is seccheck's");
        assertThat(r.status()).as(r.out() + r.err()).isZero();
    }

    /** A program that takes SIGIO for its terminal input gets it for the line typed, as natively. */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aProgramTakingSignalDrivenInputGetsItsSigio(boolean nobody) throws Exception {
        for (boolean supervised : new boolean[] {false, true}) {
            PackagedCli.Result r = typed(supervised, nobody, "benign");
            String as = (supervised ? "under seccheck: " : "natively: ") + r.out() + r.err();
            assertThat(r.out()).as(as).contains("benign got 1 SIGIO, read 6 bytes");
            assertThat(r.status()).as(as).isZero();
        }
    }
}

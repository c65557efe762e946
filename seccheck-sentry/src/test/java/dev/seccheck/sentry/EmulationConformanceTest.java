package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.seccheck.format.SockAddr;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.syscall.Accept;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.sentry.testing.CWorkloads;
import dev.seccheck.sink.NameChange;
import dev.seccheck.sink.SecurityCheckException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EmulationConformanceTest: emulated opens, links, renames, unlinks, mkdirs, mknods, symlinks,
 * truncates, changes of modes, owners, attributes and times, connects, binds, sends and accepts
 * give the program exactly what the kernel gives it natively ({@code src/test/c/conformance.c}:
 * some 1,000 calls), and the exit points report the real results; exec is decided on the binary
 * actually executed.
 */
class EmulationConformanceTest {

    @TempDir
    Path dir;

    @Test
    void emulatedCallsAnswerExactlyAsTheKernelDoes() throws Exception {
        Path natively = Files.createDirectory(dir.resolve("n"));
        Path emulated = Files.createDirectory(dir.resolve("e"));
        Path bin = CWorkloads.binary("conformance");
        Process p = new ProcessBuilder(bin.toString()).directory(natively.toFile())
                .redirectOutput(dir.resolve("native.out").toFile()).redirectErrorStream(false).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        SupervisorTest.Run r = new SupervisorTest.Run("syscall/openat/enter", "syscall/openat/exit", "syscall/open/enter",
                "syscall/creat/enter", "syscall/connect/enter", "syscall/connect/exit", "syscall/bind/enter",
                "syscall/accept/enter", "syscall/accept4/enter", "syscall/accept4/exit");
        r.sink.deciding = true; // a sink that may deny opens: links and renames are emulated too
        Path out = dir.resolve("emulated.out");
        assertThat(r.run("/bin/sh", "-c", "cd '" + emulated + "' && exec '" + bin + "' > '" + out + "'")).isZero();
        List<String> expected = Files.readAllLines(dir.resolve("native.out"));
        assertThat(expected).hasSizeGreaterThan(600);
        assertThat(Files.readAllLines(out)).containsExactlyElementsOf(expected);
        // The exit points saw the program's results: as many failed opens as the program printed.
        long failedOpenatsPrinted = expected.stream().filter(l -> l.contains("openat(\"") && !l.contains(" type=")).count();
        long failedOpenatExits = r.sink.of("syscall/openat/exit").stream().map(Open.class::cast)
                .filter(o -> o.getExit().getErrorno() != 0).count();
        assertThat(failedOpenatExits).isGreaterThanOrEqualTo(failedOpenatsPrinted);
        // Links, renames and the calls on one name were made by seccheck, each shown to the sink with the real
        // names (a symbolic link with the path its text leads to).
        assertThat(r.sink.renamings).extracting(NameChange::syscall, NameChange::from, NameChange::to)
                .contains(tuple("linkat", emulated + "/file", emulated + "/l1"),
                        tuple("linkat", emulated + "/file", emulated + "/dir/l14"),
                        tuple("renameat2", emulated + "/file", emulated + "/dir/r11"),
                        tuple("renameat", emulated + "/dir/sub", emulated + "/dir/sub2"),
                        tuple("rename", emulated + "/file", emulated + "/r21"),
                        tuple("unlink", emulated + "/victim", null), tuple("rmdir", emulated + "/edir", null),
                        tuple("mkdir", null, emulated + "/new"), tuple("mknod", null, emulated + "/fifo2"),
                        tuple("symlink", emulated + "/file", emulated + "/s1"), tuple("truncate", emulated + "/victim", null),
                        tuple("bind", null, emulated + "/dir/sock"), tuple("utime", emulated + "/file", null),
                        tuple("utimes", emulated + "/dir", null), tuple("futimesat", emulated + "/dir/sub", null),
                        tuple("utimensat", emulated + "/file", null));
        // Accepts were made by seccheck, their enter points decided on the peer that had connected.
        assertThat(r.sink.of("syscall/accept/enter")).map(Accept.class::cast)
                .anySatisfy(m -> assertThat(SockAddr.decode(m.getAddress()).map(SockAddr::ipText)).hasValue("127.0.0.1"));
        assertThat(r.sink.of("syscall/accept4/exit")).map(Accept.class::cast)
                .anySatisfy(m -> assertThat(m.getExit().getResult()).isPositive());
        // A bind the kernel refuses before making a file is not shown as a new name.
        assertThat(r.sink.renamings).extracting(NameChange::to)
                .doesNotContain(emulated + "/dir/inet-sock", emulated + "/dir/.", emulated + "/dir/..");
    }

    @Test
    void execOfASymlinkToADeniedBinaryIsKilledBeforeItsFirstInstruction() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("innocent"), Path.of("/usr/bin/id").toRealPath());
        Process p = new ProcessBuilder(link.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).as("natively").contains("uid=");
        SupervisorTest.Run r = new SupervisorTest.Run("sentry/execve");
        String denied = Path.of("/usr/bin/id").toRealPath().toString();
        r.sink.verdict = (point, m) -> m instanceof ExecveInfo e && e.getBinaryPath().equals(denied)
                ? new SecurityCheckException(13, "denied binary") : null;
        Path out = dir.resolve("out");
        int status = r.run("/bin/sh", "-c", "'" + link + "' > '" + out + "'; echo status $? >> '" + out + "'");
        assertThat(status).isZero();
        assertThat(Files.readString(out)).isEqualTo("status 137\n");
        // Removed here: JUnit warns in every build when its cleanup meets a link leading out of @TempDir.
        Files.delete(link);
    }
}

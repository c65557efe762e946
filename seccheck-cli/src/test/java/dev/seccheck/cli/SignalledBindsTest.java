package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The socket calls seccheck holds or makes that natively never wait (socket, bind, listen) are not
 * failed with EINTR by seccheck's hold ({@code SignalledCalls}): a signal whose handler lacks
 * SA_RESTART ends a held task's wait with ERESTARTSYS, and before, the call then failed with EINTR,
 * where natively none does: under a 50 us timer 1,653 of 2,000 binds to loopback under the default
 * session, 1,995 of 2,000 binds to unix paths under the README's guard policy. Now the task repeats
 * the call after the handler, and the repeat gets what seccheck's bind did, or is decided anew. The
 * program is {@code src/test/c/signalled_binds.c}; each case runs natively too, as root and as
 * uid 65534.
 */
class SignalledBindsTest {

    private static final String PROGRAM = "src/test/c/signalled_binds.c";
    private static final String COUNT = "2000";
    /**
     * The timer's interval, in microseconds: a signal every few calls. Not 50: a timer faster than
     * seccheck's hold of a call ends every hold, and on a slow day the program made no progress.
     */
    private static final String INTERVAL_US = "200";
    private static final String EXPECTED = "made 2000 listeners, failed: none\n";

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} binds, guard policy {1}, as uid 65534 {2}")
    @CsvSource({"inet, false, false", "inet, false, true", "unix, false, false", "unix, true, true", "inet, true, false"})
    void aHeldBindIsNeverInterrupted(String family, boolean guard, boolean nobody) throws Exception {
        String classpath = null;
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
            classpath = PackagedCli.nobodyClasspath();
        }
        Path program = CPrograms.compile(PROGRAM, tmp);
        Path[] configs = guard ? new Path[] {Files.writeString(tmp.resolve("guard.json"), Policies.readmeGuard())} : new Path[0];
        for (boolean underSeccheck : new boolean[] {false, true}) {
            String where = underSeccheck ? "under" : "native";
            Path dir = nobody ? PackagedCli.nobodysDir(tmp.resolve(where)) : Files.createDirectory(tmp.resolve(where));
            List<String> command = new ArrayList<>(List.of(program.toString(), family, COUNT, INTERVAL_US));
            if (family.equals("unix")) {
                Path sockets = nobody ? PackagedCli.nobodysDir(dir.resolve("s")) : Files.createDirectory(dir.resolve("s"));
                command.add(sockets.toString());
            }
            PackagedCli.Result r = nobody
                    ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, underSeccheck, command, configs)
                    : PackagedCli.nativeOrUnderSeccheck(dir, underSeccheck, command, configs);
            String as = (underSeccheck ? "under seccheck" : "natively") + (guard ? " (guard)" : " (every syscall traced)")
                    + (nobody ? " as uid 65534: " : ": ") + r.err();
            assertThat(r.out()).as(as).isEqualTo(EXPECTED);
            if (underSeccheck) {
                SignalsInCalls.checkMet(r.err(), as);
            }
        }
    }
}

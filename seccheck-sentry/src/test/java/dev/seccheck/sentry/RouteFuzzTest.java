package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.sentry.testing.CWorkloads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RouteFuzzTest: of thousands of IPv4 option lists a program sets on its sockets
 * ({@code src/test/c/route_fuzz.c}: right, short, long and lying lengths and pointers, known and
 * unknown options), seccheck refuses with EPERM exactly those the kernel keeps with a loose or
 * strict source route in them, as the kernel's own readback shows natively, and answers every
 * other list as the kernel does: a malformed list that names a route gets the kernel's EINVAL,
 * not a refusal.
 */
class RouteFuzzTest {

    private static final int CALLS = 3000;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {1, 2, 3, 4})
    void exactlyTheRoutesTheKernelWouldKeepAreRefused(int seed) throws Exception {
        fuzz(seed, List.of());
    }

    /**
     * Root in a user and network namespace of its own, the program holds CAP_NET_RAW there, and may
     * set the options only it lets through (unknown types, security options); seccheck's trial
     * runs in seccheck's namespaces, as a thread holding no capability over them.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {5, 6})
    void soInANetworkNamespaceOfTheProgramsOwn(int seed) throws Exception {
        fuzz(seed, List.of("unshare", "-rn"));
    }

    /**
     * Each list sent as a message's IP_RETOPTS too, in a network namespace of the program's own
     * (route_fuzz.c's "messages"): on UDP, a list the kernel would keep with a route is refused
     * with EPERM and every other is answered as natively, a list it refuses whole with its EINVAL;
     * on TCP, which takes no IP-level record, every message is sent as natively.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {7, 8})
    void andAsTheOptionsOfOneMessage(int seed) throws Exception {
        fuzz(seed, List.of("unshare", "-rn"), "messages");
    }

    private void fuzz(int seed, List<String> wrapper) throws Exception {
        fuzz(seed, wrapper, "");
    }

    private void fuzz(int seed, List<String> wrapper, String mode) throws Exception {
        Path bin = CWorkloads.binary("route_fuzz");
        String command = String.join(" ", wrapper) + " '" + bin + "' " + seed + " " + CALLS + " " + mode;
        Process p = new ProcessBuilder("/bin/sh", "-c", "exec " + command)
                .redirectOutput(dir.resolve("native.out").toFile()).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();

        SupervisorTest.Run r = new SupervisorTest.Run("syscall/connect/enter");
        r.sink.deciding = true; // a sink deciding at connect: setsockopt of IP_OPTIONS is held
        Path out = dir.resolve("seccheck.out");
        assertThat(r.run("/bin/sh", "-c", "exec " + command + " > '" + out + "'")).isZero();

        List<String> natively = Files.readAllLines(dir.resolve("native.out"));
        List<String> supervised = Files.readAllLines(out);
        assertThat(natively).hasSize(CALLS + 1);
        assertThat(supervised).hasSize(CALLS + 1).endsWith("done: 0 routes");
        int routes = 0;
        for (int i = 0; i < CALLS; i++) {
            String want = natively.get(i);
            if (want.contains(" = 0 route")) {
                routes++;
                want = want.replace(" = 0 route", " = EPERM");
                if (want.contains(" udp ")) {
                    want = want.replaceFirst(", message .*", ", message EPERM");
                }
            }
            assertThat(supervised.get(i)).as("call %d of seed %d", i, seed).isEqualTo(want);
        }
        assertThat(routes).as("routes the kernel kept natively").isGreaterThan(100);
        assertThat(r.warnings).as("seccheck's own errors while emulating").noneMatch(w -> w.contains("emulating"));
    }
}

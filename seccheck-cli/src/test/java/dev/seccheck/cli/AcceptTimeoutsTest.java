package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A blocking accept that seccheck performs (under a session that decides accepts:
 * {@code InboundConnections}) ends as the kernel's does once the listener's receive timeout
 * (SO_RCVTIMEO) runs out: EAGAIN, as socket(7) says. Before, seccheck's wait polled the socket with
 * no deadline and the accept never returned (a red team's server with a 200 ms timeout and no
 * client, under the README's guard policy: killed after 10 s, 3 runs of 3). The program is
 * {@code src/test/c/accept_timeouts.c}; each case runs natively and under seccheck, as root and as
 * uid 65534, within {@link #DEADLINE} (a hang fails the test). The bounds on the time taken are
 * generous: the point is that the call ends, at about the timeout, not how precisely.
 */
class AcceptTimeoutsTest {

    private static final String PROGRAM = "src/test/c/accept_timeouts.c";
    /** How long one run may take: the program's longest case takes about 200 ms. */
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final Pattern RESULT = Pattern.compile("(\\w+) = (\\w+) after (\\d+) ms\n");

    @TempDir
    Path tmp;

    /** accept on a TCP listener with a 200 ms timeout and no client: EAGAIN after about 200 ms. */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void anAcceptOnAListenerWithAReceiveTimeoutFailsWithEagainOnceItRunsOut(boolean nobody) throws Exception {
        both("accept", nobody, "EAGAIN", 150, 5_000);
    }

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void anAccept4OnAListenerWithAReceiveTimeoutFailsWithEagainOnceItRunsOut(boolean nobody) throws Exception {
        both("accept4", nobody, "EAGAIN", 150, 5_000);
    }

    /** A unix listener's accept honours the timeout too (the kernel's skb_recv_datagram). */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void anAcceptOnAUnixListenerWithAReceiveTimeoutFailsWithEagainOnceItRunsOut(boolean nobody) throws Exception {
        both("unix", nobody, "EAGAIN", 150, 5_000);
    }

    /** A 3 s timeout and a client 100 ms later: the accept gets the connection, before the timeout. */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aClientBeforeTheTimeoutIsAccepted(boolean nobody) throws Exception {
        both("client", nobody, "connection", 0, 2_500);
    }

    /**
     * A 3 s timeout and a signal 200 ms in, whose handler has SA_RESTART: EINTR then, not a restart
     * and not EAGAIN at the timeout ("Calls repeated after a signal").
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aSignalEndsAnAcceptWithATimeoutWithEintrEvenUnderSaRestart(boolean nobody) throws Exception {
        both("signal", nobody, "EINTR", 150, 2_500);
    }

    /**
     * Runs the program's {@code mode} natively and under seccheck, and checks each got {@code result}
     * within {@code minMs} to {@code maxMs}.
     */
    private void both(String mode, boolean asNobody, String result, long minMs, long maxMs) throws Exception {
        String classpath = null;
        if (asNobody) {
            PackagedCli.assumeNobody(tmp);
            classpath = PackagedCli.nobodyClasspath();
        }
        Path program = CPrograms.compile(PROGRAM, tmp);
        Path config = Files.writeString(tmp.resolve("policy.json"), Policies.ACCEPTS);
        for (boolean underSeccheck : new boolean[] {false, true}) {
            String where = (underSeccheck ? "under seccheck" : "natively") + (asNobody ? " as uid 65534" : "");
            Path dir = asNobody ? PackagedCli.nobodysDir(tmp.resolve(underSeccheck ? "under" : "native"))
                    : Files.createDirectory(tmp.resolve(underSeccheck ? "under" : "native"));
            List<String> command = List.of(program.toString(), mode);
            ProcessBuilder process = asNobody
                    ? PackagedCli.asNobodyNativeOrUnderSeccheckProcess(tmp, classpath, underSeccheck, command, config)
                    : PackagedCli.nativeOrUnderSeccheckProcess(dir, underSeccheck, command, config);
            PackagedCli.Result r = PackagedCli.run(process, dir, DEADLINE);
            assertThat(r.status()).as(where + ": " + r.out() + r.err()).isZero();
            Matcher m = RESULT.matcher(r.out());
            assertThat(m.matches()).as(where + ": " + r.out() + r.err()).isTrue();
            assertThat(m.group(1) + " = " + m.group(2)).as(where + ": " + r.out()).isEqualTo(mode + " = " + result);
            assertThat(Long.parseLong(m.group(3))).as(where + ": " + r.out()).isBetween(minMs, maxMs);
        }
    }
}

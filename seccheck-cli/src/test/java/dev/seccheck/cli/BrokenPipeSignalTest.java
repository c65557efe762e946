package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A send seccheck performs that fails with EPIPE raises SIGPIPE in the program's calling thread,
 * as the kernel does for the program's own ({@code src/test/c/sigpipe_sends.c}: sendmsg and
 * sendmmsg on a unix stream whose peer is closed, sendto with an address on a TCP socket never
 * connected, sendmsg after shutdown(SHUT_WR); each under a handler with and without SA_RESTART,
 * blocked, ignored, with MSG_NOSIGNAL, and the default action). The kernel raised it in
 * seccheck's thread, so under the README's guard policy the program got EPIPE and ran on where
 * natively it is killed (rc 141), no handler ran and nothing was pending. Now every line is as
 * natively: the handler runs once, on the caller, before the call returns EPIPE. Natively first,
 * as root and as uid 65534.
 */
class BrokenPipeSignalTest {

    @TempDir
    Path tmp;

    @Test
    void anEmulatedSendsSigpipeReachesTheProgramsThread() throws Exception {
        sigpipes(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void anEmulatedSendsSigpipeReachesTheProgramsThreadUnprivileged() throws Exception {
        sigpipes(PackagedCli.nobodysDir(tmp.resolve("u")), PackagedCli.forNobody(tmp));
    }

    private static void sigpipes(Path base, String nobodysClasspath) throws Exception {
        Path real = base.toRealPath();
        Path program = CPrograms.compile("src/test/c/sigpipe_sends.c", real);
        Path config = Files.writeString(real.resolve("guard.json"), Policies.readmeGuard());
        List<String> command = List.of(program.toString());
        String natively = DeepPathsTest.run(real, nobodysClasspath, false, command, config);
        assertThat(natively).as("natively").contains(
                "sendmsg handler: -1 EPIPE, handled before return 1, on the caller 1",
                "sendmmsg handler SA_RESTART: -1 EPIPE, handled before return 1, on the caller 1",
                "tcp-sendto blocked: -1 EPIPE, pending 1", "shutdown-sendmsg default: killed by 13");
        assertThat(natively.lines()).as("natively").hasSize(32);
        assertThat(DeepPathsTest.run(real, nobodysClasspath, true, command, config)).as("under seccheck")
                .isEqualTo(natively);
    }
}

package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sends seccheck performs (under a session with a connect point, which decides sendmsg) that a
 * signal interrupts return what the kernel's own would ({@code SignalledCalls}). A signal ends the
 * program's wait for seccheck's answer with ERESTARTSYS whatever seccheck's send had done; before,
 * a stream send that had sent part of its data was repeated whole under SA_RESTART (the reader got
 * the same bytes twice: the stream corrupt), returned EINTR without SA_RESTART though bytes had
 * gone, and a send on a socket with SO_SNDTIMEO was restarted under SA_RESTART (EAGAIN once the
 * timeout ran out, where natively it fails with EINTR at once). The program is
 * {@code src/test/c/signalled_sends.c}; each case runs natively too, as root and as uid 65534.
 */
class SignalledSendsTest {

    private static final String PROGRAM = "src/test/c/signalled_sends.c";

    /** A session whose connect rule decides every send (sendmsg with or without an address). */
    private static final String SENDS = """
            {"name": "sends",
             "points": [{"name": "syscall/connect/enter"}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"name": "no deny sockets", "effect": "connect_network", "match": {"unix_path": {"glob": "*/deny*"}},
                "action": "deny", "errno": "EACCES"}]}}]}""";

    @TempDir
    Path tmp;

    /**
     * A sender looping on partial counts under a 20 ms SA_RESTART timer: the reader gets the
     * stream sent, intact (before, more bytes than sent, corrupt).
     */
    @Test
    void aRestartedStreamSendSendsNothingTwice() throws Exception {
        both("restart", "received 2097152 of 2097152 bytes, intact\n", false);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aRestartedStreamSendSendsNothingTwiceUnprivileged() throws Exception {
        both("restart", "received 2097152 of 2097152 bytes, intact\n", true);
    }

    /**
     * A stream send interrupted without SA_RESTART after part of its data went returns the count
     * the reader received (before, EINTR).
     */
    @Test
    void anInterruptedStreamSendReturnsItsPartialCount() throws Exception {
        both("eintr", "send returned a partial count, the count the reader received\n", false);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void anInterruptedStreamSendReturnsItsPartialCountUnprivileged() throws Exception {
        both("eintr", "send returned a partial count, the count the reader received\n", true);
    }

    /**
     * A send on a socket with SO_SNDTIMEO, interrupted under an SA_RESTART handler, fails with
     * EINTR at once (before, it was restarted and failed with EAGAIN once the timeout ran out).
     */
    @Test
    void aSendWithATimeoutIsNotRestarted() throws Exception {
        both("timeo", "send EINTR within 1 s\n", false);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aSendWithATimeoutIsNotRestartedUnprivileged() throws Exception {
        both("timeo", "send EINTR within 1 s\n", true);
    }

    /** Runs the program's {@code mode} natively and under seccheck, and checks each prints {@code expected}. */
    private void both(String mode, String expected, boolean asNobody) throws Exception {
        String classpath = null;
        if (asNobody) {
            PackagedCli.assumeNobody(tmp);
            classpath = PackagedCli.nobodyClasspath();
        }
        Path program = CPrograms.compile(PROGRAM, tmp);
        Path config = Files.writeString(tmp.resolve("policy.json"), SENDS);
        for (boolean underSeccheck : new boolean[] {false, true}) {
            String where = underSeccheck ? "under" : "native";
            Path dir = asNobody ? PackagedCli.nobodysDir(tmp.resolve(where)) : Files.createDirectory(tmp.resolve(where));
            List<String> command = List.of(program.toString(), mode);
            PackagedCli.Result r = asNobody
                    ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, underSeccheck, command, config)
                    : PackagedCli.nativeOrUnderSeccheck(dir, underSeccheck, command, config);
            assertThat(r.out()).as((underSeccheck ? "under seccheck" : "natively") + (asNobody ? " as uid 65534: " : ": ")
                    + r.err()).isEqualTo(expected);
        }
    }
}

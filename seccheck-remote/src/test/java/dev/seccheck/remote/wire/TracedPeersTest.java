package dev.seccheck.remote.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.PeerCredentials;
import dev.seccheck.linux.Ptrace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Which peers of the remote link {@link TracedPeers} refuses, on real processes. */
class TracedPeersTest {

    private static final int SELF = (int) ProcessHandle.current().pid();

    @Test
    void anUntracedPeerAndOneThatCannotBeSeenPass() {
        assertThat(TracedPeers.refusedClient(new PeerCredentials(SELF, 0, 0))).isEmpty();
        assertThat(TracedPeers.refusedServer(new PeerCredentials(SELF, 0, 0))).isEmpty();
        assertThat(TracedPeers.refusedClient(new PeerCredentials(0, 0, 0))).as("another pid namespace's").isEmpty();
    }

    @Test
    void aPtracedPeerIsRefusedNamingItsTracer() throws Exception {
        Process child = new ProcessBuilder("sleep", "30").start();
        try {
            int pid = (int) child.pid();
            new Ptrace().seize(pid, 0); // detached when it is killed below
            String thisThread = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
            assertThat(TracedPeers.refusedClient(new PeerCredentials(pid, 0, 0))).hasValue("the client is pid " + pid
                    + ", which is ptraced by task " + thisThread
                    + " (a supervised program posing as a sandbox? seccheck and gVisor are never traced)");
            assertThat(TracedPeers.refusedServer(new PeerCredentials(pid, 0, 0)))
                    .hasValueSatisfying(why -> assertThat(why).startsWith("the server is pid " + pid + ", which is ptraced"));
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aPeerGoneBeforeTheCheckIsRefused() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        assertThat(gone.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(TracedPeers.refusedClient(new PeerCredentials((int) gone.pid(), 0, 0)))
                .hasValueSatisfying(why -> assertThat(why).contains("whose status cannot be read"));
    }

    /**
     * A server named seccheck-run is a run's listen made for a program it supervises; a client of
     * that name (a run's sink connecting) is not refused for it.
     */
    @Test
    void aServerNamedSeccheckRunIsRefusedAsAServerOnly() throws Exception {
        Process run = new ProcessBuilder("sh", "-c", "printf seccheck-run > /proc/$$/comm; echo named; read x").start();
        try {
            assertThat(run.inputReader().readLine()).isEqualTo("named");
            PeerCredentials peer = new PeerCredentials((int) run.pid(), 0, 0);
            assertThat(TracedPeers.refusedServer(peer)).hasValue("the server is pid " + run.pid()
                    + ", named seccheck-run, which listened for a program it supervises"
                    + " (a supervised program posing as the server? a monitoring server is not traced)");
            assertThat(TracedPeers.refusedClient(peer)).isEmpty();
        } finally {
            run.destroyForcibly();
            assertThat(run.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}

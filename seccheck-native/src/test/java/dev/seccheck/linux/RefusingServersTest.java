package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server's name says whether it refuses supervised clients, and the side that connected learns
 * the listener's pid from the kernel (SO_PEERCRED), whatever name it connected by.
 */
class RefusingServersTest {

    @Test
    void aProcessThatNamedItselfSoIsOneAndOthersAreNot() throws Exception {
        Process named = new ProcessBuilder("/usr/bin/python3", "-c", """
                import sys, threading, time
                def rename():
                    open("/proc/self/comm", "w").write("seccheck-server")
                t = threading.Thread(target=rename); t.start(); t.join()
                print("named", flush=True)
                time.sleep(30)
                """).start();
        try {
            assertThat(new String(named.getInputStream().readNBytes(6))).isEqualTo("named\n");
            assertThat(RefusingServers.of((int) named.pid())).hasValue(RefusingServers.SERVER);
            assertThat(RefusingServers.of((int) ProcessHandle.current().pid())).isEmpty();
            assertThat(RefusingServers.of(99_999_999)).as("no such process").isEmpty();
        } finally {
            named.destroy();
            assertThat(named.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void theConnectingSideLearnsTheListenersPidAndShutdownEndsTheConnection(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("s");
        try (UnixSeqpacket listener = UnixSeqpacket.listen(path, 1);
                UnixSeqpacket client = UnixSeqpacket.connect(path);
                UnixSeqpacket accepted = listener.accept()) {
            assertThat(SocketCalls.peerPid(client.fd())).isEqualTo(ProcessHandle.current().pid());
            assertThat(SocketCalls.shutdown(client.fd())).isZero();
            assertThat(accepted.receive(new byte[8])).as("the other side sees the end").isEqualTo(UnixSeqpacket.EOF);
        }
        assertThat(SocketCalls.peerPid(-1)).isEqualTo(-dev.seccheck.abi.Errno.EBADF);
    }
}

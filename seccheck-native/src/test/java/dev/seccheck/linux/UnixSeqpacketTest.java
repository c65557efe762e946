package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSeqpacketTest {
    @TempDir
    Path dir;

    /** Returns a socket path in the test's temporary directory, checked to fit sun_path. */
    private Path socketPath(String name) {
        Path p = dir.resolve(name);
        assertThat(p.toString().length()).as("socket path %s", p).isLessThanOrEqualTo(UnixSeqpacket.MAX_PATH);
        return p;
    }

    @Test
    void packetsKeepBoundariesAndTruncationIsReported() throws Exception {
        Path path = socketPath("s");
        UnixSeqpacket client = null;
        try (UnixSeqpacket server = UnixSeqpacket.listen(path, 4)) {
            client = UnixSeqpacket.connect(path);
            UnixSeqpacket conn = server.accept();
            client.send(new byte[] {1, 2, 3});
            client.send(new byte[0]);
            client.send(new byte[100]);
            byte[] buf = new byte[10];
            assertThat(conn.receive(buf)).isEqualTo(3);
            assertThat(buf[2]).isEqualTo((byte) 3);
            assertThat(conn.receive(buf)).isZero();
            assertThat(conn.receive(buf)).isEqualTo(100);
            conn.nonBlocking(true);
            assertThat(conn.receive(buf)).isEqualTo(UnixSeqpacket.WOULD_BLOCK);
            PeerCredentials cred = conn.peerCredentials();
            assertThat(cred.pid()).isEqualTo((int) ProcessHandle.current().pid());
            client.close();
            assertThat(conn.receive(buf)).isEqualTo(UnixSeqpacket.EOF);
            conn.close();
        } finally {
            if (client != null) {
                client.close();
            }
        }
    }

    @Test
    void aFailedReceiveLeavesTheThreadsNextSendWorking() throws Exception {
        Path path = socketPath("s");
        try (UnixSeqpacket server = UnixSeqpacket.listen(path, 4);
                UnixSeqpacket client = UnixSeqpacket.connect(path);
                UnixSeqpacket conn = server.accept()) {
            // recvmsg on a listening socket fails (ENOTCONN) after the receive set up its control buffer.
            assertThatThrownBy(() -> server.receive(new byte[8])).isInstanceOf(LinuxException.class);
            client.send(new byte[] {7});
            byte[] buf = new byte[4];
            assertThat(conn.receive(buf)).isEqualTo(1);
            assertThat(buf[0]).isEqualTo((byte) 7);
        }
    }

    @Test
    void errorsNameCallPathAndErrno() throws Exception {
        Path missing = socketPath("missing");
        assertThatThrownBy(() -> UnixSeqpacket.connect(missing))
                .isInstanceOf(LinuxException.class)
                .hasMessage("connect(" + missing + "): ENOENT (No such file or directory)");
        Path longPath = Path.of("/tmp/" + "x".repeat(120));
        assertThatThrownBy(() -> UnixSeqpacket.listen(longPath, 1))
                .hasMessageContaining("at most 107").hasMessageContaining("ENAMETOOLONG");
    }

    @Test
    void sendToVanishedPeerIsAnErrorNotASignal() throws Exception {
        Path path = socketPath("s");
        try (UnixSeqpacket server = UnixSeqpacket.listen(path, 4); UnixSeqpacket client = UnixSeqpacket.connect(path)) {
            server.accept().close();
            assertThatThrownBy(() -> client.send(new byte[] {1})).isInstanceOf(LinuxException.class)
                    .hasMessageContaining("EPIPE").hasMessageContaining("sendmsg(" + path + ", fd " + client.fd() + ")");
        }
    }

    @Test
    void sendAfterCloseFailsWithEbadfInsteadOfReachingAReusedNumber() throws Exception {
        Path path = socketPath("s");
        try (UnixSeqpacket server = UnixSeqpacket.listen(path, 4)) {
            UnixSeqpacket client = UnixSeqpacket.connect(path);
            int number = client.fd();
            client.close();
            // Take the freed number for another socket: an unowned send would now go there.
            try (UnixSeqpacket other = UnixSeqpacket.connect(path); UnixSeqpacket first = server.accept();
                    UnixSeqpacket second = server.accept()) {
                assertThat(other.fd()).as("the kernel hands out the lowest free number").isEqualTo(number);
                assertThatThrownBy(() -> client.send(new byte[] {1})).isInstanceOf(LinuxException.class)
                        .satisfies(e -> assertThat(((LinuxException) e).errno()).isEqualTo(dev.seccheck.abi.Errno.EBADF));
                assertThat(client.isClosed()).isTrue();
                second.nonBlocking(true);
                assertThat(second.receive(new byte[8])).as("nothing reached the new socket").isEqualTo(UnixSeqpacket.WOULD_BLOCK);
                assertThat(first.receive(new byte[8])).isEqualTo(UnixSeqpacket.EOF);
            }
        }
    }

    @Test
    void closeWakesAThreadBlockedInReceive() throws Exception {
        Path path = socketPath("s");
        try (UnixSeqpacket server = UnixSeqpacket.listen(path, 4);
                UnixSeqpacket client = UnixSeqpacket.connect(path)) {
            UnixSeqpacket conn = server.accept();
            CompletableFuture<Integer> received = CompletableFuture.supplyAsync(() -> {
                try {
                    return conn.receive(new byte[16]);
                } catch (LinuxException e) {
                    throw new IllegalStateException(e);
                }
            });
            awaitBlocked(received);
            conn.close();
            assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo(UnixSeqpacket.EOF);
            assertThat(client.isClosed()).isFalse();
        }
    }

    @Test
    void closeWakesAThreadBlockedInAccept() throws Exception {
        Path path = socketPath("s");
        UnixSeqpacket server = UnixSeqpacket.listen(path, 4);
        CompletableFuture<UnixSeqpacket> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                return server.accept();
            } catch (LinuxException e) {
                throw new IllegalStateException(e);
            }
        });
        awaitBlocked(accepted);
        server.close();
        assertThatThrownBy(() -> accepted.get(10, TimeUnit.SECONDS)).hasMessageContaining("accept4(" + path);
    }

    /** Gives the other thread time to enter its blocking call; asserts it has not returned early. */
    private static void awaitBlocked(CompletableFuture<?> call) throws InterruptedException {
        Thread.sleep(Duration.ofMillis(200));
        assertThat(call).isNotDone();
    }

    /**
     * A peer holds its pid while it runs and while it is a zombie, and no longer once reaped, when
     * the kernel may give that pid to any new process.
     */
    @Test
    void aPeerHoldsItsPidUntilItIsReaped() throws Exception {
        Path path = socketPath("peer.sock");
        try (UnixSeqpacket listener = UnixSeqpacket.listen(path, 4)) {
            Process client = new ProcessBuilder("python3", "-c", """
                    import socket, sys, time
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                    s.connect(sys.argv[1])
                    time.sleep(60)
                    """, path.toString()).start();
            try (UnixSeqpacket conn = listener.accept(); PeerProcess peer = conn.peerProcess()) {
                assertThat(peer.pid()).isEqualTo((int) client.pid());
                assertThat(peer.credentials().pid()).isEqualTo((int) client.pid());
                assertThat(peer.holdsItsPid()).isTrue();
                client.destroyForcibly();
                assertThat(client.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(peer.holdsItsPid()).as("reaped").isFalse();
            } finally {
                client.destroyForcibly();
            }
        }
    }

    /** A peer that connected and was reaped before anyone looked never held its pid for the look. */
    @Test
    void aPeerReapedBeforeTheLookDoesNotHoldItsPid() throws Exception {
        Path path = socketPath("gone.sock");
        try (UnixSeqpacket listener = UnixSeqpacket.listen(path, 4)) {
            Process client = new ProcessBuilder("python3", "-c", """
                    import socket, sys
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                    s.connect(sys.argv[1])
                    s.send(b"x")
                    """, path.toString()).start();
            assertThat(client.waitFor(10, TimeUnit.SECONDS)).isTrue();
            try (UnixSeqpacket conn = listener.accept(); PeerProcess peer = conn.peerProcess()) {
                assertThat(peer.pid()).isEqualTo((int) client.pid());
                assertThat(peer.holdsItsPid()).isFalse();
            }
        }
    }

    /**
     * A zombie peer still holds its pid, but no longer runs: its parent may be outside the run that
     * traced it, and a zombie is traced by no one, so a look at either would misjudge it.
     */
    @Test
    void aZombiePeerHoldsItsPidButDoesNotRun() throws Exception {
        Path path = socketPath("zombie.sock");
        try (UnixSeqpacket listener = UnixSeqpacket.listen(path, 4)) {
            Process parent = new ProcessBuilder("python3", "-c", """
                    import os, socket, sys, time
                    child = os.fork()
                    if child == 0:
                        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                        s.connect(sys.argv[1])
                        os._exit(0)
                    print(child, flush=True)
                    time.sleep(60)
                    """, path.toString()).start();
            try (UnixSeqpacket conn = listener.accept(); PeerProcess peer = conn.peerProcess()) {
                int child = Integer.parseInt(new java.io.BufferedReader(new java.io.InputStreamReader(
                        parent.getInputStream(), java.nio.charset.StandardCharsets.UTF_8)).readLine().trim());
                assertThat(peer.pid()).isEqualTo(child);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (peer.running() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(peer.running()).as("a zombie").isFalse();
                assertThat(peer.holdsItsPid()).as("not reaped").isTrue();
            } finally {
                parent.destroyForcibly();
                parent.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}

package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.remote.wire.Protocol;
import dev.seccheck.remote.wire.WireHeader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code seccheck server} with a 256 MiB heap holds 2,000 idle handshaked connections while an
 * honest client delivers every one of its 10,000 messages (before: ~2.2 MB per connection, so
 * this load ended in OutOfMemoryError and the honest client was dropped after its handshake).
 */
class ServerMemoryTest {
    private static final int IDLE = 2000;
    private static final int MESSAGES = 10_000;
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(60);

    @TempDir
    Path dir;

    static Process server(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("server"));
        cmd.addAll(List.of(args));
        return cli(dir, "-Xmx256m", cmd);
    }

    /** Starts the CLI of this class path in a JVM of its own with heap limit {@code xmx}, output in {@code dir}. */
    static Process cli(Path dir, String xmx, List<String> args) throws Exception {
        List<String> cmd = PackagedCli.java(System.getProperty("java.class.path"), xmx);
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectError(dir.resolve("stderr").toFile())
                .redirectOutput(dir.resolve("stdout").toFile()).start();
    }

    static void awaitText(Path file, String text, Process p, long deadline) throws Exception {
        while (!Files.exists(file) || !Files.readString(file).contains(text)) {
            assertThat(p.isAlive()).as("server alive, stderr: %s", Files.exists(file) ? Files.readString(file) : "")
                    .isTrue();
            assertThat(System.nanoTime() - deadline).as("waiting for \"%s\" in %s", text, file).isNegative();
            LockSupport.parkNanos(5_000_000);
        }
    }

    static byte[] open(String path) {
        byte[] payload = Open.newBuilder().setPathname(path).build().toByteArray();
        byte[] p = new byte[WireHeader.SIZE + payload.length];
        System.arraycopy(WireHeader.encode(MessageType.MESSAGE_SYSCALL_OPEN_VALUE, 0), 0, p, 0, WireHeader.SIZE);
        System.arraycopy(payload, 0, p, WireHeader.SIZE, payload.length);
        return p;
    }

    static long rssKiB(long pid) throws Exception {
        return status(pid, "VmRSS");
    }

    /** Returns the number in field {@code name} of /proc/PID/status (VmRSS in KiB, Threads). */
    static long status(long pid, String name) throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith(name + ":")) {
                return Long.parseLong(l.replaceAll("\\D", ""));
            }
        }
        throw new AssertionError("no " + name + " in /proc/" + pid + "/status");
    }

    @Test
    void twoThousandIdleConnectionsDoNotStopAnHonestClient() throws Exception {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        Path sock = dir.resolve("s");
        Path out = dir.resolve("out");
        Process server = server(dir, "--endpoint", sock.toString(), "--out", out.toString(), "--max-connections", "4096");
        List<UnixSeqpacket> idle = new ArrayList<>();
        try {
            awaitText(dir.resolve("stderr"), "listening on", server, deadline);
            for (int i = 0; i < IDLE; i++) {
                UnixSeqpacket s = UnixSeqpacket.connect(sock);
                idle.add(s);
                assertThat(Protocol.clientHandshake(s)).isEqualTo(Protocol.VERSION);
            }
            try (UnixSeqpacket honest = UnixSeqpacket.connect(sock)) {
                Protocol.clientHandshake(honest);
                for (int k = 0; k < MESSAGES; k++) {
                    byte[] packet = open("/honest/" + k);
                    while (honest.send(packet) == UnixSeqpacket.WOULD_BLOCK) {
                        assertThat(System.nanoTime() - deadline).as("sending message %d", k).isNegative();
                        LockSupport.parkNanos(50_000);
                    }
                }
            }
            awaitText(dir.resolve("stderr"), String.format("client-%04d disconnected: messages=%d", IDLE + 1, MESSAGES),
                    server, deadline);
            long rss = rssKiB(server.pid());
            // 2,000 connections at the old ~2.2 MB each would be 4.4 GB; one loop and one buffer stay small.
            assertThat(rss).as("server RSS in KiB with %d connections", IDLE + 1).isLessThan(512 * 1024);
        } finally {
            idle.forEach(UnixSeqpacket::close);
            server.destroy();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(MESSAGES);
        assertThat(lines.getFirst()).contains("/honest/0\"");
        assertThat(lines.getLast()).contains("/honest/" + (MESSAGES - 1) + "\"");
        String stderr = Files.readString(dir.resolve("stderr"));
        assertThat(stderr).doesNotContain("OutOfMemoryError").doesNotContain("refused");
        assertThat(stderr.lines().filter(l -> l.contains(" connected: pid"))).hasSize(IDLE + 1);
    }
}

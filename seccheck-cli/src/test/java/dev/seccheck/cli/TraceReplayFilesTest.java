package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.RefusingServers;
import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.remote.wire.Protocol;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code seccheck tracereplay replay} of trace files a hostile program shaped: the file belongs to
 * whoever the saving server let connect, and the operator replays it, often as root. A huge
 * file streams in a small heap, a damaged one sends what is intact and says where the damage is,
 * and a crafted config cannot print terminal escapes or lines of its own.
 */
class TraceReplayFilesTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    /**
     * The listeners are this JVM's, which a test's in-process {@code seccheck run} before may have
     * named {@code seccheck-run}: a name the replay refuses as a supervised program's listener.
     */
    @BeforeEach
    void nameThisJvmAsNoRun() {
        RefusingServers.nameThisProcess("replay-tests");
    }

    /** A listener that handshakes once and counts the packets until the replay closes; returns the count. */
    private CompletableFuture<Integer> counting(UnixSeqpacket listener) {
        return CompletableFuture.supplyAsync(() -> {
            try (UnixSeqpacket peer = listener.accept()) {
                Protocol.serverHandshake(peer);
                byte[] buf = new byte[MIB + 1];
                int n = 0;
                while (peer.receive(buf) != UnixSeqpacket.EOF) {
                    n++;
                }
                return n;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private PackagedCli.Result replay(Path sock, Path trace, String... jvmOptions) throws Exception {
        List<String> cmd = PackagedCli.java(System.getProperty("java.class.path"), jvmOptions);
        cmd.addAll(List.of("tracereplay", "replay", "--endpoint", sock.toString(), "--in", trace.toString()));
        return PackagedCli.run(new ProcessBuilder(cmd), dir, Duration.ofSeconds(120));
    }

    /**
     * A sparse file (no disk for its holes) with a valid header and 2,000 packets of 100,000
     * bytes (a packet a socket's default send buffer takes; 1 MiB ones fail with EMSGSIZE): 200 MB
     * of packets, replayed by a JVM with 64 MiB of heap. Before, the replay read every packet
     * before sending one and died of OutOfMemoryError with a stack trace.
     */
    @Test
    void aHugeSparseTraceIsSentWholeInASmallHeap() throws Exception {
        int packets = 2_000;
        int packet = 100_000;
        Path trace = dir.resolve("huge.trace");
        try (RandomAccessFile f = new RandomAccessFile(trace.toFile(), "rw")) {
            f.write("tracereplay file".getBytes(StandardCharsets.US_ASCII));
            byte[] config = "{\"version\":1}".getBytes(StandardCharsets.US_ASCII);
            f.write(size(config.length));
            f.write(config);
            long offset = f.getFilePointer();
            for (int i = 0; i < packets; i++) {
                f.seek(offset);
                f.write(size(packet));
                offset += 8 + packet;
            }
            f.setLength(offset);
        }
        Path sock = dir.resolve("s");
        try (UnixSeqpacket listener = UnixSeqpacket.listen(sock, 1)) {
            CompletableFuture<Integer> received = counting(listener);
            PackagedCli.Result r = replay(sock, trace, "-Xmx64m");
            assertThat(r.err()).doesNotContain("OutOfMemoryError").doesNotContain("\tat ");
            assertThat(r.status()).as(r.err()).isZero();
            assertThat(r.err()).contains("sent " + packets + " messages from " + trace);
            assertThat(received.get(60, TimeUnit.SECONDS)).isEqualTo(packets);
        }
    }

    /**
     * The fixture cut at 500 bytes, inside a message: the messages before the cut are sent, and
     * the one-line error says how many and the offset of the damaged one. Before, a replay read the
     * whole file first and sent nothing.
     */
    @Test
    void aFileDamagedMidwaySendsTheIntactMessagesAndSaysWhere() throws Exception {
        byte[] whole = Files.readAllBytes(ServerCommandTest.fixture());
        Path cut = dir.resolve("trunc_mid");
        Files.write(cut, Arrays.copyOf(whole, 500));
        // Where the fixture's messages start and which one the cut falls in.
        ByteBuffer b = ByteBuffer.wrap(whole).order(ByteOrder.LITTLE_ENDIAN);
        long offset = 16 + 8 + b.getLong(16);
        int intact = 0;
        while (offset + 8 + b.getLong((int) offset) <= 500) {
            offset += 8 + b.getLong((int) offset);
            intact++;
        }
        assertThat(intact).as("the cut leaves some messages whole").isPositive();
        Path sock = dir.resolve("s");
        try (UnixSeqpacket listener = UnixSeqpacket.listen(sock, 1)) {
            CompletableFuture<Integer> received = counting(listener);
            PackagedCli.Result r = replay(sock, cut);
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.err()).isEqualTo("seccheck tracereplay replay: " + cut + ": sent " + intact
                    + " messages, then stopped: trace file truncated in message " + (intact + 1) + " at offset "
                    + offset + ": " + (500 - offset - 8) + " of " + b.getLong((int) offset) + " bytes\n");
            assertThat(received.get(60, TimeUnit.SECONDS)).isEqualTo(intact);
        }
    }

    /**
     * Configs that are not a JSON object with a version (the red team's cfg_forge, cfg_reset,
     * cfg_c1): a forged second line, terminal resets, C1 CSI and a bidi override. The error is one
     * line naming the file, with every control escaped. Before, the config was printed raw.
     */
    @Test
    void aCraftedConfigIsQuotedEscapedOnOneLineNamingTheFile() throws Exception {
        List<String> configs = List.of(
                "[\n\"seccheck tracereplay replay: sent 812 messages from /srv/traces/client-0001 to /tmp/s.sock\"\n]",
                "x\u001bc\u001bM\u001bM",
                "[\"\u009b2J\u009bH\u202eabc\"]",
                "{\"version\": \"\u001b[31m1\"}");
        int i = 0;
        for (String config : configs) {
            Path trace = dir.resolve("cfg" + i++);
            byte[] c = config.getBytes(StandardCharsets.UTF_8);
            Files.write(trace, concat("tracereplay file".getBytes(StandardCharsets.US_ASCII), size(c.length), c));
            PackagedCli.Result r = replay(dir.resolve("nobody-listens"), trace);
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.err()).as(config).startsWith("seccheck tracereplay replay: " + trace + ": the trace file's config")
                    .endsWith("\n");
            assertThat(r.err().lines()).as(config).hasSize(1);
            assertThat(r.err().chars().filter(ch -> ch < 0x20 && ch != '\n' || ch >= 0x7f && ch <= 0x9f || ch == 0x202e))
                    .as(config).isEmpty();
        }
    }

    /** A missing file says so; before, the message was the path twice ("PATH: PATH"). */
    @Test
    void aMissingFileSaysNoSuchFile() throws Exception {
        Path missing = dir.resolve("nonexistent");
        PackagedCli.Result r = replay(dir.resolve("s"), missing);
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("seccheck tracereplay replay: " + missing + ": no such file\n");
    }

    /** An empty --endpoint says so; before, it was "... is not a stale socket: ... ENAMETOOLONG" or a connect error. */
    @Test
    void anEmptyEndpointSaysSo() throws Exception {
        PackagedCli.Result r = replay(Path.of(""), ServerCommandTest.fixture());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("empty endpoint");
    }

    static byte[] size(long n) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array();
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }
}

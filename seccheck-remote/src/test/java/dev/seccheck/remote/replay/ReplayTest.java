package dev.seccheck.remote.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.remote.Fixtures;
import dev.seccheck.remote.Sockets;
import dev.seccheck.remote.consumer.EventServer;
import dev.seccheck.remote.server.MessagePrinter;
import dev.seccheck.remote.server.OutputFormat;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayTest {

    @TempDir
    Path tmp;

    static TraceFile fixture() throws Exception {
        try (InputStream in = Files.newInputStream(Fixtures.echoTrace())) {
            return TraceFile.read(in);
        }
    }

    @Test
    void saveOfReplayIsByteIdentical() throws Exception {
        Path path = tmp.resolve("s");
        Path dir = tmp.resolve("out");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TraceFile trace = fixture();
        try (Recorder _ = Recorder.start(path, dir, new PrintStream(log, true))) {
            assertThat(Replayer.replay(trace, path)).isEqualTo(10);
            // The recorder logs the disconnect after the file is closed.
            Sockets.await("the recorder to log the disconnect", 20, () -> log.toString().contains("disconnected"));
        }
        assertThat(Files.readAllBytes(dir.resolve("client-0001"))).isEqualTo(Files.readAllBytes(Fixtures.echoTrace()));
        assertThat(log.toString()).contains("client-0001 disconnected: 10 messages saved");
    }

    @Test
    void fixtureThroughTheServerPrintsEchoAndItsOpens() throws Exception {
        Path path = tmp.resolve("s");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (EventServer _ = EventServer.start(path, new MessagePrinter(OutputFormat.TEXT,
                new PrintStream(out, true), new PrintStream(log, true)))) {
            Replayer.replay(fixture(), path);
            Sockets.await("the server to log the disconnect", 20, () -> log.toString().contains("disconnected"));
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text.lines()).hasSize(10);
        assertThat(text.lines().findFirst().orElseThrow()).contains("* Start").contains("echo").contains("123");
        assertThat(text.lines().filter(l -> l.contains(" Open "))).hasSize(4);
        assertThat(log.toString()).contains("client-0001 disconnected: messages=10 unknown=0 malformed=0 dropped=0");
    }

    @Test
    void badFilesAreClearErrors() {
        assertThatThrownBy(() -> TraceFile.read(new ByteArrayInputStream("not a trace file at all".getBytes())))
                .hasMessage("not a trace file: the signature is not \"tracereplay file\"");
        byte[] big = new TraceFile(TraceFile.CONFIG, java.util.List.of()).toBytes();
        byte[] withHuge = java.util.Arrays.copyOf(big, big.length + 8);
        withHuge[big.length + 2] = 0x20; // 2 MiB
        assertThatThrownBy(() -> TraceFile.read(new ByteArrayInputStream(withHuge)))
                .hasMessage("size of message 1 at offset 37 is 2097152 bytes, over the 1 MiB limit");
        byte[] cut = java.util.Arrays.copyOf(withHuge, withHuge.length - 3);
        assertThatThrownBy(() -> TraceFile.read(new ByteArrayInputStream(cut)))
                .hasMessage("trace file truncated in the size of message 1 at offset 37");
    }

    @Test
    void readWriteRoundTrip() throws Exception {
        byte[] bytes = Files.readAllBytes(Fixtures.echoTrace());
        assertThat(TraceFile.read(new ByteArrayInputStream(bytes)).toBytes()).isEqualTo(bytes);
    }
}

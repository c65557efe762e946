package dev.seccheck.remote.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.PeerCredentials;
import dev.seccheck.remote.consumer.Connection;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** MessagePrinterTest: the printer's problem log is rate-limited per connection. */
class MessagePrinterTest {

    @Test
    void aFloodOfMalformedPacketsLogsItsFirstAndThenOneCountPerWindow() {
        AtomicLong now = new AtomicLong();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(err, true, StandardCharsets.UTF_8);
        MessagePrinter p = new MessagePrinter(OutputFormat.TEXT, System.out, log, now::get, 10_000_000_000L);
        Connection c = new Connection(3, 1, new PeerCredentials(4242, 0, 0));
        for (int i = 0; i < 12_346; i++) {
            p.onMalformed(c, "bad " + i);
            now.addAndGet(500_000); // 12,346 packets in ~6 s
        }
        p.onTick(); // within the window: nothing more yet
        now.set(10_000_000_000L);
        p.onTick();
        p.onMalformed(c, "after");
        p.onDisconnect(c);
        assertThat(err.toString(StandardCharsets.UTF_8).lines().toList()).containsExactly(
                "client-0003 malformed packet skipped: bad 0",
                "client-0003 (pid 4242): 12,345 more malformed packets skipped in the last 10 s (last: bad 12345)",
                "client-0003 (pid 4242): 1 more malformed packets skipped in the last 1 s (last: after)",
                "client-0003 disconnected: messages=0 unknown=0 malformed=0 dropped=0");
    }
}

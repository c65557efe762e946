package dev.seccheck.remote.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.remote.consumer.Event;
import dev.seccheck.remote.consumer.EventHandler;
import dev.seccheck.remote.consumer.EventServer;
import dev.seccheck.remote.server.CountingHandler;
import dev.seccheck.remote.server.MessagePrinter;
import dev.seccheck.remote.server.OutputFormat;
import dev.seccheck.session.JsonSinkConfig;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The remote sink with its default settings: keeps up without dropping, survives a server restart. */
class RemoteSinkReconnectTest {
    private static final RemoteSinkDescriptor DESCRIPTOR = new RemoteSinkDescriptor();

    @TempDir
    Path dir;

    /** Records each received open's path and the header's dropped count. */
    static final class Received implements EventHandler {
        final List<String> paths = new CopyOnWriteArrayList<>();
        final List<Long> dropped = new CopyOnWriteArrayList<>();

        @Override
        public void onOpen(Event e, Open m) {
            paths.add(m.getPathname());
            dropped.add(e.dropped());
        }
    }

    static RemoteSink sink(Path sock) throws Exception {
        String json = new ObjectMapper().createObjectNode().put("endpoint", sock.toString()).toString();
        RemoteConfig config = DESCRIPTOR.validate(JsonSinkConfig.parse(json, "sinks[0].config"), List.of());
        return (RemoteSink) DESCRIPTOR.create(config, DESCRIPTOR.setup(config));
    }

    static Open open(String path) {
        return Open.newBuilder().setPathname(path).build();
    }

    static void await(BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waiting for %s", what).isNegative();
            LockSupport.parkNanos(2_000_000);
        }
    }

    @Test
    void serverRestartedMidRunGetsPointsAgainAndTheDropsAreCountedExactly() throws Exception {
        Path sock = dir.resolve("s");
        Received first = new Received();
        EventServer a = EventServer.start(sock, first);
        RemoteSink sink = sink(sock);
        try {
            for (int i = 0; i < 100; i++) {
                assertThat(sink.write(MessageType.MESSAGE_SYSCALL_OPEN, open("/before/" + i))).isTrue();
            }
            await(() -> first.paths.size() == 100, "100 points at the first server");
            a.close();
            for (int i = 0; i < 57; i++) {
                assertThat(sink.write(MessageType.MESSAGE_SYSCALL_OPEN, open("/down/" + i))).isFalse();
            }
            assertThat(sink.status().dropped()).isEqualTo(57);
            assertThat(sink.connected()).isFalse();

            Received second = new Received();
            try (EventServer _ = EventServer.start(sock, second)) {
                await(sink::connected, "the sink to reconnect");
                for (int i = 0; i < 100; i++) {
                    assertThat(sink.write(MessageType.MESSAGE_SYSCALL_OPEN, open("/after/" + i))).isTrue();
                }
                await(() -> second.paths.size() == 100, "100 points at the restarted server");
                assertThat(second.paths.getFirst()).isEqualTo("/after/0");
                assertThat(second.dropped).containsOnly(57L);
            }
            assertThat(first.dropped).containsOnly(0L);
            assertThat(sink.status().dropped()).isEqualTo(57);
            assertThat(sink.reconnects()).isEqualTo(1);
        } finally {
            sink.stop();
            a.close();
        }
    }

    @Test
    void stopEndsReconnectingWhenTheServerNeverComesBack() throws Exception {
        Path sock = dir.resolve("s");
        EventServer a = EventServer.start(sock, new Received());
        RemoteSink sink = sink(sock);
        a.close();
        assertThat(sink.write(MessageType.MESSAGE_SYSCALL_OPEN, open("/x"))).isFalse();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300)); // a few reconnection attempts fail
        long start = System.nanoTime();
        sink.stop();
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(2));
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.getName().equals("seccheck-remote-reconnect") && t.isAlive());
        assertThat(sink.write(MessageType.MESSAGE_SYSCALL_OPEN, open("/y"))).isFalse();
        assertThat(sink.status().dropped()).isEqualTo(2);
    }

    @Test
    void sixteenThreadsOfThreeHundredOpensIntoAPrintingServerDropNothingWithTheDefaults() throws Exception {
        Path sock = dir.resolve("s");
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(dir.resolve("out").toFile())),
                false, StandardCharsets.UTF_8);
        MessagePrinter printer = new MessagePrinter(OutputFormat.TEXT, out, System.err);
        CountingHandler counting = new CountingHandler(printer);
        try (EventServer _ = EventServer.start(sock, counting)) {
            RemoteSink sink = sink(sock);
            try {
                Thread[] threads = new Thread[16];
                for (int t = 0; t < threads.length; t++) {
                    int n = t;
                    threads[t] = Thread.ofPlatform().start(() -> {
                        for (int i = 0; i < 300; i++) {
                            sink.write(MessageType.MESSAGE_SYSCALL_OPEN, open("/t" + n + "/" + i));
                        }
                    });
                }
                for (Thread t : threads) {
                    t.join(TimeUnit.SECONDS.toMillis(60));
                    assertThat(t.isAlive()).isFalse();
                }
                assertThat(sink.status().dropped()).isZero();
                await(() -> counting.messages() == 16 * 300, "every point at the server");
            } finally {
                sink.stop();
            }
        } finally {
            out.close();
        }
    }
}

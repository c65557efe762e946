package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.proto.syscall.Open;
import dev.seccheck.remote.consumer.Connection;
import dev.seccheck.remote.consumer.Event;
import dev.seccheck.remote.consumer.EventHandler;
import dev.seccheck.remote.consumer.EventServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program that acts unrecorded by flooding the monitoring server first: while the server is
 * slow (here: stalled in its first callback, as a server stalls on a full disk or a long GC), a
 * few hundred harmless opens fill its socket, the sink drops what does not fit, and the secret
 * read that follows is dropped with them. With {@code on_drop} left at gVisor's {@code count} the
 * program reads the secret and the server never hears of it; with {@code deny} the read fails
 * because its point could not be delivered.
 */
class RemoteFloodTest {
    private static final Pattern DROPS = Pattern.compile("sink \"remote\" dropped (\\d+) points");

    @TempDir
    Path dir;

    @RegisterExtension
    final CapturedOutput err = CapturedOutput.stderr();

    /** Stalls in its first open until released, then records every open it reads. */
    static final class StalledServer implements EventHandler {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch gone = new CountDownLatch(1);
        final List<String> paths = new CopyOnWriteArrayList<>();

        @Override
        public void onOpen(Event e, Open m) {
            if (paths.isEmpty()) {
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            paths.add(m.getPathname());
        }

        @Override
        public void onDisconnect(Connection c) {
            gone.countDown();
        }
    }

    /** What one run under a stalled server left: the server's opens, the copy, the drops reported, the run's log. */
    record Outcome(List<String> seen, boolean copied, long dropped, String log) {}

    private Outcome floodThenReadTheSecret(String onDrop) throws Exception {
        Path sock = dir.resolve(onDrop + ".sock");
        Path secret = Files.writeString(dir.resolve("secret"), "s3cr3t\n");
        Path copy = dir.resolve(onDrop + ".copy");
        Path session = Files.writeString(dir.resolve(onDrop + ".json"), """
                {"name": "flood",
                 "points": [{"name": "syscall/openat/enter"}],
                 "sinks": [{"name": "remote", "config": {"endpoint": "%s", "on_drop": "%s"}}]}"""
                .formatted(sock, onDrop));
        // Shell builtins only: each open is one point, and a refused one fails only its command.
        String script = "exec 2>/dev/null; i=0; while [ $i -lt 400 ]; do true < /etc/hostname; i=$((i+1)); done; "
                + "if read s < " + secret + "; then printf '%s' \"$s\" > " + copy + "; fi";
        StalledServer server = new StalledServer();
        int logFrom = err.text().length();
        try (EventServer _ = EventServer.start(sock, server)) {
            int status;
            try {
                status = Main.execute("run", "--quiet", "--config", session.toString(), "--", "/bin/sh", "-c", script);
            } finally {
                server.release.countDown();
            }
            assertThat(status).isZero();
            assertThat(server.gone.await(30, TimeUnit.SECONDS)).as("the server read the run to its end").isTrue();
        }
        String log = err.text().substring(logFrom);
        Matcher m = DROPS.matcher(log);
        long dropped = m.find() ? Long.parseLong(m.group(1)) : 0;
        return new Outcome(List.copyOf(server.paths), Files.exists(copy), dropped, log);
    }

    @Test
    void aProgramCannotActUnrecordedByFloodingTheServerWhenOnDropDenies() throws Exception {
        // gVisor's behaviour: the flood's overflow and the secret's open are dropped and counted,
        // the secret is read, and the server never sees that open.
        Outcome counted = floodThenReadTheSecret("count");
        assertThat(counted.dropped()).isPositive();
        assertThat(counted.copied()).as("the secret was copied").isTrue();
        assertThat(counted.seen()).noneMatch(p -> p.endsWith("/secret"));

        Outcome denied = floodThenReadTheSecret("deny");
        assertThat(denied.dropped()).isPositive();
        assertThat(denied.seen()).noneMatch(p -> p.endsWith("/secret"));
        assertThat(denied.copied()).as("the secret was copied, its open unrecorded").isFalse();
        assertThat(denied.log()).contains("seccheck: sink remote cannot deliver to " + dir.resolve("deny.sock"));
        assertThat(counted.log()).doesNotContain("cannot deliver");
    }
}

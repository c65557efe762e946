package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.proto.syscall.Open;
import dev.seccheck.remote.consumer.Connection;
import dev.seccheck.remote.consumer.Event;
import dev.seccheck.remote.consumer.EventHandler;
import dev.seccheck.remote.consumer.EventServer;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run whose remote server goes away and comes back: points reach the restarted server, the
 * points opened while it was down are dropped and counted exactly, and the run's closing line
 * says so. The shell uses only builtins between the phases, so every open is known in advance;
 * FIFOs hold it at each phase until the test has moved the server.
 */
class RemoteSinkRunTest {
    private static final Pattern DROPS = Pattern.compile(
            "ended: exit status 0; session \"remote-restart\" sink \"remote\" dropped (\\d+) points");
    @TempDir
    Path dir;

    @RegisterExtension
    final CapturedOutput err = CapturedOutput.stderr();

    static final class Opens implements EventHandler {
        final List<String> paths = new CopyOnWriteArrayList<>();
        final List<Long> dropped = new CopyOnWriteArrayList<>();
        volatile boolean connected;

        @Override
        public void onConnect(Connection c) {
            connected = true;
        }

        @Override
        public void onOpen(Event e, Open m) {
            paths.add(m.getPathname());
            dropped.add(e.dropped());
        }

        long count(String path) {
            return paths.stream().filter(path::equals).count();
        }
    }

    static void await(BooleanSupplier done, String what) {
        await(done, () -> what);
    }

    /** Waits at most 30 s for {@code done}, failing with what {@code what} says at that moment. */
    static void await(BooleanSupplier done, Supplier<String> what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what.get());
            }
            LockSupport.parkNanos(5_000_000);
        }
    }

    /**
     * Opens FIFO {@code fifo} for writing, which returns once a reader has it open; fails the test
     * after 30 s, first opening it for reading itself so that the waiting open returns and its
     * thread ends.
     */
    private static OutputStream openForWriting(Path fifo) throws Exception {
        CompletableFuture<OutputStream> open = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                open.complete(new FileOutputStream(fifo.toFile()));
            } catch (Throwable t) {
                open.completeExceptionally(t);
            }
        });
        try {
            return open.get(30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            try (FileInputStream reader = new FileInputStream(fifo.toFile())) {
                open.get(10, TimeUnit.SECONDS).close();
            }
            throw new AssertionError("the shell did not open " + fifo + " within 30 s", e);
        }
    }

    static String loop(int n, String file) {
        return "i=0; while [ $i -lt " + n + " ]; do : < " + file + "; i=$((i+1)); done; ";
    }

    @Test
    void serverRestartedMidRunGetsPointsAgainAndTheClosingLineCountsTheDrops() throws Exception {
        Path sock = dir.resolve("s");
        Path fifo1 = dir.resolve("f1");
        Path fifo2 = dir.resolve("f2");
        assertThat(new ProcessBuilder("mkfifo", fifo1.toString(), fifo2.toString()).start().waitFor()).isZero();
        Path session = Files.writeString(dir.resolve("session.json"), """
                {"name": "remote-restart",
                 "points": [{"name": "syscall/openat/enter"}],
                 "sinks": [{"name": "remote", "config": {"endpoint": "%s"}}]}""".formatted(sock));
        String script = loop(50, "/etc/hostname") + ": > " + dir.resolve("p1") + "; read x < " + fifo1 + "; "
                + loop(30, "/etc/hostname") + ": > " + dir.resolve("p2") + "; read x < " + fifo2 + "; "
                + loop(40, "/etc/hostname");
        Opens first = new Opens();
        EventServer a = EventServer.start(sock, first);
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> Main.execute(
                "run", "--quiet", "--config", session.toString(), "--", "/bin/sh", "-c", script));
        Opens second = new Opens();
        long down = 30 + 2; // the hostname opens, p2 and fifo2 of the second phase
        long reported;
        try {
            await(() -> first.count(fifo1.toString()) == 1, "the shell to block on the first FIFO");
            assertThat(first.count("/etc/hostname")).isEqualTo(50);
            a.close();
            Files.writeString(fifo1, "go\n"); // 30 hostname opens, p2 and fifo2 while no server listens
            // Opening the FIFO for writing returns once the shell has opened it for reading: its
            // open's point is then sent (dropped) already. Waiting for p2 alone let a shell slow
            // to reach the FIFO open it after the restarted server was up, and that point arrived.
            try (OutputStream release = openForWriting(fifo2);
                    EventServer _ = EventServer.start(sock, second)) {
                await(() -> second.connected, "the sink to reconnect");
                // The server sees the connection just before the sink has read the server's
                // handshake; give it that moment. Should a point still fall in it, it is dropped
                // and counted, which the accounting below allows for.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
                release.write("go\n".getBytes(StandardCharsets.US_ASCII));
                release.close();
                assertThat(run.get(60, TimeUnit.SECONDS)).isZero();
                Matcher m = DROPS.matcher(err.text());
                assertThat(m.find()).as("closing line with drops in: %s", err).isTrue();
                reported = Long.parseLong(m.group(1));
                long lateDrops = reported - down;
                await(() -> second.count("/etc/hostname") + lateDrops == 40, () -> "the third phase at the restarted"
                        + " server: " + second.count("/etc/hostname") + " of its 40 opens arrived, " + reported
                        + " dropped in all, " + down + " of them while no server listened; " + second.paths);
            }
        } finally {
            a.close();
            if (!run.isDone()) {
                // A failed assertion left the shell blocked on a FIFO: release it, with a bound, as
                // opening a FIFO nobody reads would block this thread for ever.
                for (Path f : List.of(fifo1, fifo2)) {
                    Process p = new ProcessBuilder("timeout", "5", "sh", "-c", "echo go > " + f).start();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
                run.get(30, TimeUnit.SECONDS);
            }
        }
        // Every point either reached a server or is in the count: the second phase's 32 for sure.
        assertThat(reported).isGreaterThanOrEqualTo(down);
        assertThat(first.count("/etc/hostname")).isEqualTo(50);
        assertThat(second.count("/etc/hostname")).isEqualTo(40 - (reported - down));
        assertThat(second.dropped.getLast()).isEqualTo(reported);
        assertThat(second.paths).doesNotContain(fifo2.toString(), dir.resolve("p2").toString());
    }
}

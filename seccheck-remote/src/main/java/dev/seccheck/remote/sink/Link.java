package dev.seccheck.remote.sink;

import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.remote.wire.MalformedPacketException;
import dev.seccheck.remote.wire.Protocol;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Link is the remote sink's connection to its server. When a send fails (the server went away or
 * cut the connection) the link goes down and one background thread reconnects and handshakes
 * again, with a backoff from {@link #FIRST_DELAY_NANOS} doubling to {@link #MAX_DELAY_NANOS};
 * meanwhile the checked threads see no connection and drop (counted) without ever waiting for
 * the reconnection.
 *
 * <p>A broken socket is shut down at once (every send on it then fails) but closed only when the
 * next one is retired or the sink stops: a thread that read the old reference just before it
 * broke can still call send on it without the descriptor number having been reused for another
 * file in between.
 */
final class Link {
    /** The first wait before reconnecting: the server just went away, give it a moment. */
    static final long FIRST_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** The longest wait between attempts, so a restarted server is found within about this. */
    static final long MAX_DELAY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Path endpoint;
    private final AtomicReference<UnixSeqpacket> current;
    private final AtomicBoolean reconnecting = new AtomicBoolean();
    private final AtomicLong reconnects = new AtomicLong();
    private volatile UnixSeqpacket connecting;
    private volatile Thread reconnector;
    private volatile String lastError = "";
    private UnixSeqpacket retired;
    private volatile boolean stopped;

    Link(Path endpoint, UnixSeqpacket socket) {
        this.endpoint = endpoint;
        this.current = new AtomicReference<>(socket);
    }

    /** Returns the connected socket, or null while the link is down. */
    UnixSeqpacket socket() {
        return current.get();
    }

    /** Returns how many times the link was re-established. */
    long reconnects() {
        return reconnects.get();
    }

    /** Returns why the last reconnection attempt failed ("" if none failed). */
    String lastError() {
        return lastError;
    }

    /** Takes the link down after a send on {@code broken} failed; starts reconnecting once. */
    void lost(UnixSeqpacket broken) {
        if (stopped || !current.compareAndSet(broken, null)) {
            return; // another thread already reported it, or the sink is stopping
        }
        broken.shutdown();
        retire(broken);
        if (reconnecting.compareAndSet(false, true)) {
            Thread t = Thread.ofPlatform().name("seccheck-remote-reconnect").daemon().unstarted(this::reconnectLoop);
            reconnector = t;
            t.start();
        }
    }

    /** Stops reconnecting and closes the connection; waits briefly for the reconnecting thread. */
    void stop() {
        stopped = true;
        UnixSeqpacket s = current.getAndSet(null);
        if (s != null) {
            s.shutdown();
            retire(s);
        }
        UnixSeqpacket c = connecting;
        if (c != null) {
            c.shutdown(); // wakes a handshake waiting for the server
        }
        Thread t = reconnector;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        retire(null);
    }

    private synchronized void retire(UnixSeqpacket s) {
        if (retired != null) {
            retired.close();
        }
        retired = s;
    }

    private void reconnectLoop() {
        while (true) {
            connectUntilStopped();
            reconnecting.set(false);
            // A connection that broke again before the flag was cleared found it set and left
            // the reconnecting to us: check once more.
            if (stopped || current.get() != null || !reconnecting.compareAndSet(false, true)) {
                return;
            }
        }
    }

    private void connectUntilStopped() {
        long delay = FIRST_DELAY_NANOS;
        while (!stopped) {
            LockSupport.parkNanos(delay);
            if (stopped) {
                return;
            }
            UnixSeqpacket s = null;
            try {
                s = UnixSeqpacket.connect(endpoint);
                connecting = s;
                if (!stopped) {
                    Protocol.clientHandshake(s);
                }
            } catch (LinuxException | MalformedPacketException e) {
                lastError = e.getMessage();
                if (s != null) {
                    s.close();
                }
                s = null;
            } finally {
                connecting = null;
            }
            if (s != null) {
                if (stopped) {
                    s.close();
                    return;
                }
                current.set(s);
                reconnects.incrementAndGet();
                return;
            }
            delay = Math.min(delay * 2, MAX_DELAY_NANOS);
        }
    }
}

package dev.seccheck.linux;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * AcceptLoop is the accepting thread of a thread-per-connection server on a listening
 * {@link UnixSeqpacket}: it hands each accepted connection to a consumer, pauses after a failing
 * accept instead of spinning on it, and on {@link #stop} wakes the accept and every connection
 * being served. The control server and the remote acceptor both serve this way; it lives beside
 * the socket because it knows nothing else.
 */
public final class AcceptLoop {
    /**
     * How long to wait after a failing accept: EMFILE or ENOMEM would fail again at once, and a
     * loop retrying it would take a core from the threads that free the descriptors.
     */
    static final long RETRY_NANOS = 10_000_000;

    private final UnixSeqpacket listener;
    private final Consumer<UnixSeqpacket> accepted;
    private final Set<UnixSeqpacket> open = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean stopping;
    /** Written by the accepting thread alone; read by tests to see that failures are paced. */
    private volatile long failedAccepts;

    /**
     * Makes a loop whose daemon platform thread, named {@code threadName}, will accept on
     * {@code listener} and pass each connection to {@code accepted}, which owns it from then on.
     */
    public AcceptLoop(UnixSeqpacket listener, String threadName, Consumer<UnixSeqpacket> accepted) {
        this.listener = listener;
        this.accepted = accepted;
        this.thread = Thread.ofPlatform().daemon().name(threadName).unstarted(this::run);
    }

    /** Starts accepting; apart so that an owner can finish its construction first. */
    public AcceptLoop start() {
        thread.start();
        return this;
    }

    /** Returns whether {@link #stop} was called. */
    public boolean stopping() {
        return stopping;
    }

    /** Counts a connection as served until {@link #served}, so that {@link #stop} shuts it down. */
    public void serving(UnixSeqpacket conn) {
        open.add(conn);
    }

    /** The connection is no longer served. */
    public void served(UnixSeqpacket conn) {
        open.remove(conn);
    }

    /**
     * Stops accepting: shuts the listener down, which wakes a blocked accept, and every connection
     * still served, whose threads then see the end of their stream. Returns false if it was
     * already stopping. The owner closes the listener once the thread ended ({@link #join}).
     */
    public boolean stop() {
        if (stopping) {
            return false;
        }
        stopping = true;
        listener.shutdown();
        open.forEach(UnixSeqpacket::shutdown);
        return true;
    }

    /** Waits for the accepting thread to end, at most {@code timeout}; returns whether it ended. */
    public boolean join(Duration timeout) throws InterruptedException {
        return thread.join(timeout.isPositive() ? timeout : Duration.ofMillis(1));
    }

    /** Returns how many accepts failed while not stopping. */
    long failedAccepts() {
        return failedAccepts;
    }

    /** Waits for the accepting thread to end. */
    public void join() throws InterruptedException {
        thread.join();
    }

    private void run() {
        while (!stopping) {
            UnixSeqpacket conn;
            try {
                conn = listener.accept();
            } catch (LinuxException e) {
                if (stopping) {
                    return;
                }
                failedAccepts++;
                LockSupport.parkNanos(RETRY_NANOS);
                continue;
            }
            if (conn != null) {
                accepted.accept(conn);
            }
        }
    }
}

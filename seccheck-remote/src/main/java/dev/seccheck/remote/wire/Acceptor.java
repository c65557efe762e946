package dev.seccheck.remote.wire;

import dev.seccheck.linux.AcceptLoop;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.UnixSeqpacket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Acceptor listens on a socket path the way a monitoring process does and serves each
 * connecting sandbox on its own platform thread, numbered from 1; closing it disconnects every
 * sandbox, waits for their threads and removes the socket file. The server and the recorder are
 * both built on it.
 */
public final class Acceptor implements AutoCloseable {

    /** Serves one accepted connection until it ends; the acceptor closes the socket afterwards. */
    @FunctionalInterface
    public interface Handler {
        void serve(UnixSeqpacket socket, int id);
    }

    private final Path endpoint;
    private final UnixSeqpacket listener;
    private final Handler handler;
    private final String threadPrefix;
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final Set<Thread> serving = ConcurrentHashMap.newKeySet();
    private final AcceptLoop acceptor;

    private Acceptor(Path endpoint, UnixSeqpacket listener, String threadPrefix, Handler handler) {
        this.endpoint = endpoint;
        this.listener = listener;
        this.threadPrefix = threadPrefix;
        this.handler = handler;
        this.acceptor = new AcceptLoop(listener, threadPrefix + "accept", this::serve);
    }

    /** Creates the socket file at {@code endpoint} and starts accepting. */
    public static Acceptor start(Path endpoint, String threadPrefix, Handler handler) throws LinuxException {
        Acceptor a = new Acceptor(endpoint, UnixSeqpacket.listen(endpoint, 128), threadPrefix, handler);
        a.acceptor.start();
        return a;
    }

    /** Returns the socket path. */
    public Path endpoint() {
        return endpoint;
    }

    /** Waits until {@link #close} was called (from another thread or a shutdown hook). */
    public void awaitClose() throws InterruptedException {
        acceptor.join();
    }

    /** Stops accepting, disconnects every sandbox, waits for their threads and removes the socket file. */
    @Override
    public void close() {
        if (!acceptor.stop()) {
            return;
        }
        try {
            acceptor.join();
            for (Thread t : serving) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        listener.close();
        try {
            Files.deleteIfExists(endpoint);
        } catch (IOException e) {
            // Best effort: the file is in a directory we may no longer own.
        }
    }

    private void serve(UnixSeqpacket conn) {
        if (acceptor.stopping()) {
            conn.close();
            return;
        }
        acceptor.serving(conn);
        int id = nextId.getAndIncrement();
        Thread t = Thread.ofPlatform().name(threadPrefix + id).daemon().unstarted(() -> {
            try (conn) {
                handler.serve(conn, id);
            } finally {
                acceptor.served(conn);
                serving.remove(Thread.currentThread());
            }
        });
        serving.add(t);
        t.start();
    }
}

package dev.seccheck.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.linux.Epoll;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.UnixSeqpacket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * DeclinedConnections answers, on one thread of its own, the control connections the
 * {@link ControlServer} decided at accept not to serve: those of a refused peer (a supervised
 * task, another user) and those that find every slot taken ("busy"). The answer is sent once the
 * connection's request has arrived (closing on a request not read would reset the connection, and
 * the client would read ECONNRESET instead of the reason) or at the request deadline, whichever
 * comes first; a refusal whose request arrived is logged with the request's op.
 *
 * <p>Why a thread of its own, with epoll: the program a run supervises can connect to its run's
 * socket as often as it likes, and hold its connections silent, send slowly, or send garbage.
 * Waiting for such a request on the accept thread, or on one of the serving threads the operator's
 * requests need, let it stall the control plane. Here a waiting connection costs a socket and a
 * map entry, at most {@value #MAX_WAITING} wait at once, and a connection declined beyond that is
 * answered at once, unread: no peer can hold anything the operator's requests use.
 *
 * <p>Threads: the accept thread alone calls {@link #decline} (it registers the connection with
 * epoll, which the kernel allows while another thread waits on it, then publishes it in the map);
 * this class's thread alone reads, answers and closes them.
 */
final class DeclinedConnections implements AutoCloseable {

    /** Connections waiting for their request at once; a further one is answered unread. */
    static final int MAX_WAITING = 64;
    /** The head of a declined request kept to log its op: enough for any request but a session config. */
    private static final int HEAD = 16 << 10;
    /** Packets read from one connection before the others get their turn. */
    private static final int BATCH = 16;
    /** Larger than the default socket send buffer, as in {@link Wire}: no packet is cut, so no newline lost. */
    private static final int RECEIVE_BUFFER = 256 << 10;

    /** One connection waiting for its request; touched by this class's thread alone once published. */
    private static final class Waiting {
        final UnixSeqpacket conn;
        final ObjectNode answer;
        /** The refusal to log with the request's op, or null for an answer not worth a line (busy). */
        final String refusal;
        final long deadline;
        final ByteArrayOutputStream head = new ByteArrayOutputStream();
        long size;

        Waiting(UnixSeqpacket conn, ObjectNode answer, String refusal, long deadline) {
            this.conn = conn;
            this.answer = answer;
            this.refusal = refusal;
            this.deadline = deadline;
        }
    }

    /** What a read of a waiting connection found. */
    private enum Progress { WAITING, REQUEST, CLOSED }

    private final Epoll epoll;
    private final Duration deadline;
    private final Consumer<String> log;
    private final Map<Long, Waiting> waiting = new ConcurrentHashMap<>();
    private final byte[] buf = new byte[RECEIVE_BUFFER];
    private final Thread thread;
    private long nextToken;
    private volatile boolean stopping;

    DeclinedConnections(Duration deadline, Consumer<String> log) throws LinuxException {
        this.epoll = Epoll.create(MAX_WAITING);
        this.deadline = deadline;
        this.log = log;
        this.thread = Thread.ofPlatform().daemon().name("seccheck-control-declined").unstarted(this::run);
    }

    /** Starts the answering thread. */
    DeclinedConnections start() {
        thread.start();
        return this;
    }

    /**
     * Takes {@code conn} over and answers it {@code answer} once its request is read or its
     * deadline passed; logs {@code refusal} with the request's op if a request came. Never blocks.
     */
    void decline(UnixSeqpacket conn, ObjectNode answer, String refusal) {
        Waiting w = new Waiting(conn, answer, refusal, System.nanoTime() + deadline.toNanos());
        if (stopping || waiting.size() >= MAX_WAITING) {
            answer(w, false);
            return;
        }
        long token = nextToken++;
        try {
            conn.nonBlocking(true);
            // Registered first, published second: the thread never closes a connection whose
            // number this thread is still about to hand to epoll_ctl. An event for a token not yet
            // published is seen again (level-triggered) once it is.
            epoll.add(conn.fd(), Epoll.EPOLLIN | Epoll.EPOLLRDHUP, token);
        } catch (LinuxException e) {
            answer(w, false);
            return;
        }
        waiting.put(token, w);
        LockSupport.unpark(thread);
    }

    private void run() {
        while (!stopping) {
            if (waiting.isEmpty()) {
                // decline() unparks after publishing: a connection published before this park
                // leaves the permit that ends it.
                LockSupport.park(this);
                continue;
            }
            long now = System.nanoTime();
            // A connection published during the wait has a deadline after its end, so none is missed.
            long until = now + deadline.toNanos();
            for (Waiting w : waiting.values()) {
                until = Math.min(until, w.deadline);
            }
            int n;
            try {
                n = epoll.await((int) Math.max(0, Math.ceilDiv(until - now, 1_000_000L)));
            } catch (LinuxException e) {
                log.accept("control socket: cannot wait for declined requests: " + e.getMessage());
                LockSupport.parkNanos(10_000_000L);
                continue;
            }
            for (int i = 0; i < n; i++) {
                long token = epoll.token(i);
                Waiting w = waiting.get(token);
                if (w == null) {
                    continue;
                }
                Progress p = read(w);
                if (p != Progress.WAITING) {
                    finish(token, w, p == Progress.REQUEST);
                }
            }
            now = System.nanoTime();
            for (Map.Entry<Long, Waiting> e : waiting.entrySet()) {
                if (now - e.getValue().deadline >= 0) {
                    finish(e.getKey(), e.getValue(), false);
                }
            }
        }
        waiting.forEach((token, w) -> finish(token, w, false));
    }

    /** Reads what has arrived of the request, at most {@link #BATCH} packets, without blocking. */
    private Progress read(Waiting w) {
        try {
            for (int i = 0; i < BATCH; i++) {
                int n = w.conn.receive(buf);
                if (n == UnixSeqpacket.WOULD_BLOCK) {
                    return Progress.WAITING;
                }
                if (n == UnixSeqpacket.EOF) {
                    return Progress.CLOSED;
                }
                int got = Math.min(n, buf.length);
                int end = -1;
                for (int j = 0; j < got; j++) {
                    if (buf[j] == '\n') {
                        end = j;
                        break;
                    }
                }
                int keep = end < 0 ? got : end;
                if (w.size + keep <= HEAD) {
                    w.head.write(buf, 0, keep);
                }
                w.size += keep;
                if (end >= 0) {
                    return Progress.REQUEST;
                }
            }
            return Progress.WAITING;
        } catch (LinuxException e) {
            return Progress.CLOSED;
        }
    }

    private void finish(long token, Waiting w, boolean request) {
        waiting.remove(token);
        try {
            epoll.remove(w.conn.fd());
        } catch (LinuxException e) {
            // Closed under us by close(): nothing is registered any more.
        }
        if (request && w.refusal != null) {
            log.accept("control socket: " + op(w) + " " + w.refusal);
        }
        answer(w, request);
    }

    /**
     * Sends the answer without waiting and closes. Without the whole request read, what did arrive
     * is read off first (a few packets, no waiting), so that the close does not reset the
     * connection before the client reads the answer.
     */
    private void answer(Waiting w, boolean request) {
        try (UnixSeqpacket conn = w.conn) {
            if (!request) {
                // Its own one-byte buffer: this runs on the accept thread too. A packet is taken whole,
                // the rest of it discarded (SOCK_SEQPACKET).
                byte[] scrap = new byte[1];
                try {
                    conn.nonBlocking(true);
                    for (int i = 0; i < BATCH && conn.receive(scrap) >= 0; i++) {
                        // Dropped: the answer does not depend on it.
                    }
                } catch (LinuxException e) {
                    // Gone: the send below fails as well.
                }
            }
            Wire.send(conn, w.answer, System.nanoTime());
        } catch (IOException e) {
            // The peer left, or does not read: nothing more to tell it.
        }
    }

    /** The request's op, quoted, for the log; "a request" when it has none or was too long to keep. */
    private static String op(Waiting w) {
        if (w.size > HEAD) {
            return "a request";
        }
        try {
            JsonNode op = Wire.parse(w.head.toByteArray()).get("op");
            return op != null && op.isTextual() ? "\"" + op.asText() + "\"" : "a request";
        } catch (IOException e) {
            return "a request";
        }
    }

    /** Stops: every waiting connection is answered as at its deadline, and the thread ends. */
    @Override
    public void close() {
        stopping = true;
        LockSupport.unpark(thread);
        // Shut down, each wakes the thread's epoll_wait; they are closed by the thread.
        waiting.values().forEach(w -> w.conn.shutdown());
        try {
            thread.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            epoll.close();
        }
    }
}

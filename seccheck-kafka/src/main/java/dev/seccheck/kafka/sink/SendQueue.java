package dev.seccheck.kafka.sink;

import dev.seccheck.proto.common.MessageType;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * SendQueue takes the records of the kafka sink from the checked threads and hands them to the
 * Kafka client on a thread of its own, in the order they came. A checked thread (the one holding
 * the program's syscall) then pays an append to a lock-free queue, not the client's
 * {@code send}: the record accumulator, its locks, header sizing and metadata bookkeeping, about
 * 16 µs a point under the launcher's C1 compiler (BENCHMARKS.md, kafka sink).
 *
 * <p>The sending thread gathers: after emptying the queue it naps {@link #GATHER} before looking
 * again, and only a queue found empty after a nap lets it sleep until woken. A burst of points
 * therefore costs the checked threads no wake-up at all; the first point after a quiet spell
 * costs one ({@code unpark}). A nap delays a point by at most {@link #GATHER}, against the
 * client's own {@code linger.ms} of 100.
 */
final class SendQueue {
    /** How long the sending thread naps between two looks at a queue it just emptied. */
    static final Duration GATHER = Duration.ofMillis(2);

    /** One point on its way to the client: what {@link KafkaSink} needs to send or drop it. */
    record Pending(MessageType type, byte[] key, byte[] value, long cost) {}

    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    /** Set while the sending thread sleeps until woken (not while it naps). */
    private final AtomicBoolean asleep = new AtomicBoolean();
    private final Consumer<Pending> send;
    private final Consumer<Pending> drop;
    private final Thread thread;
    private volatile boolean closing;
    /** Set once the sending thread is gone: whoever finds a record then drops it. */
    private volatile boolean finished;
    /** Records passed to {@code send}; written by the sending thread alone. */
    private volatile long done;
    /** Records whose {@link #add} completed. */
    private final AtomicLong added = new AtomicLong();

    /**
     * Starts the sending thread, which passes every record to {@code send} in order; a record
     * added after that thread ended (a point racing the sink's stop) goes to {@code drop}, so
     * every record reaches exactly one of the two.
     */
    SendQueue(String threadName, Consumer<Pending> send, Consumer<Pending> drop) {
        this.send = send;
        this.drop = drop;
        this.thread = Thread.ofPlatform().name(threadName).daemon().unstarted(this::run);
        thread.start();
    }

    /** Queues a record; wakes the sending thread only if it sleeps. Never blocks. */
    void add(Pending p) {
        queue.add(p);
        added.incrementAndGet();
        if (finished) {
            dropLeftovers();
            return;
        }
        if (asleep.get() && asleep.compareAndSet(true, false)) {
            LockSupport.unpark(thread);
        }
    }

    /**
     * Waits until every record added so far was passed to {@code send}, at most {@code timeout};
     * returns whether they all were.
     */
    boolean awaitDone(Duration timeout) {
        long target = added.get();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (done < target) {
            if (finished) {
                return queue.isEmpty(); // what is left after the thread ended was dropped, not sent
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            LockSupport.unpark(thread);
            LockSupport.parkNanos(GATHER.toNanos() / 4);
        }
        return true;
    }

    /**
     * Lets the sending thread pass on what is queued and end; waits for it at most
     * {@code timeout} and returns whether it ended. Records added afterwards are never sent.
     */
    boolean close(Duration timeout) {
        closing = true;
        LockSupport.unpark(thread);
        try {
            thread.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    /** Drops what is queued; each record is polled, and so handled, once, whoever polls it. */
    private void dropLeftovers() {
        for (Pending p; (p = queue.poll()) != null; ) {
            drop.accept(p);
        }
    }

    private void run() {
        long gather = GATHER.toNanos();
        while (true) {
            Pending p = queue.poll();
            if (p != null) {
                try {
                    send.accept(p);
                } finally {
                    done++; // one writer: this thread
                }
                continue;
            }
            if (closing) {
                finished = true;
                dropLeftovers(); // added between the empty poll and the flag
                return;
            }
            LockSupport.parkNanos(this, gather); // a nap: points arriving now wait for it
            if (!queue.isEmpty() || closing) {
                continue;
            }
            asleep.set(true);
            // A record added between the look above and the flag is seen here, not lost.
            if (queue.isEmpty() && !closing) {
                LockSupport.park(this);
            }
            asleep.set(false);
        }
    }
}

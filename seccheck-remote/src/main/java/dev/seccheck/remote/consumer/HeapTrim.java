package dev.seccheck.remote.consumer;

import java.util.function.LongSupplier;

/**
 * HeapTrim gives the heap that a burst of traffic grew back to the system once the burst is over.
 *
 * <p>Why the server asks: a collector shrinks the heap only when it collects, and a quiet server
 * allocates nothing, so it never collects; after a storm its RSS stayed at the peak for good. The
 * launcher starts the server with a small initial heap, so the heap grows only for data that was
 * live at some point (connections, open trace files, large packets in flight); when that data is
 * gone, full collections shrink the heap to its free ratio ({@code -XX:MaxHeapFreeRatio}) and
 * unmap the rest. It takes up to {@link #COLLECTIONS} of them: the serial collector damps its
 * shrinking over successive full collections (none of the excess on the first, then 10%, 40%,
 * all of it), so that a program calling {@code System.gc()} between phases does not shrink and
 * regrow; measured with {@code -Xms16m} and 32 MB of dead buffers: 56, 56, 53, 42, 16 MB.
 *
 * <p>When: after some activity (a packet, a connection opened or closed), once the source has
 * been quiet (under {@link #QUIET_BYTES} a tick) for {@link #QUIET_TICKS} ticks in a row, and only
 * if the committed heap is more than {@link #SLACK} above its size at start. A collection that
 * gives back less than {@link #SLACK} (the data is still live) doubles the quiet time required
 * before the next one, up to {@link #MAX_QUIET_TICKS}, so a server that keeps a large live set
 * under a trickle of messages is not collected every few seconds for nothing. Called from the
 * loop thread only: no synchronization.
 */
final class HeapTrim {
    /** Ticks (about a second each) of quiet before the heap is trimmed. */
    static final int QUIET_TICKS = 10;
    /** The longest quiet time required, after collections that gave little back. */
    static final int MAX_QUIET_TICKS = 640;
    /** Bytes received in a tick under which the tick counts as quiet: a trickle is not a burst. */
    static final long QUIET_BYTES = 64 << 10;
    /** Full collections at most per trim: enough for the serial collector to shrink all the way. */
    static final int COLLECTIONS = 4;
    /** Heap growth worth a full collection, and the least a collection should give back. */
    static final long SLACK = 8 << 20;

    private final LongSupplier committed;
    private final Runnable collect;
    private final long floor;
    private long bytesThisTick;
    private boolean activeSinceTrim;
    private int quietTicks;
    private int quietNeeded = QUIET_TICKS;

    /** Trims this JVM's heap: committed size from the runtime, a full collection by {@link System#gc()}. */
    HeapTrim() {
        this(() -> Runtime.getRuntime().totalMemory(), System::gc);
    }

    HeapTrim(LongSupplier committed, Runnable collect) {
        this.committed = committed;
        this.collect = collect;
        this.floor = committed.getAsLong();
    }

    /** Notes {@code n} bytes received. */
    void received(int n) {
        bytesThisTick += n;
        activeSinceTrim = true;
    }

    /** Notes a connection opened or closed: it may have taken or left heap without any bytes. */
    void connectionChanged() {
        activeSinceTrim = true;
    }

    /** Called about once a second; returns whether it trimmed (collected at least once). */
    boolean tick() {
        quietTicks = bytesThisTick < QUIET_BYTES ? quietTicks + 1 : 0;
        bytesThisTick = 0;
        if (!activeSinceTrim || quietTicks < quietNeeded) {
            return false;
        }
        long before = committed.getAsLong();
        if (before - floor <= SLACK) {
            return false; // nothing worth a full collection; activity stays noted for later growth
        }
        for (int i = 0; i < COLLECTIONS && committed.getAsLong() > floor; i++) {
            collect.run();
        }
        long returned = before - committed.getAsLong();
        quietNeeded = returned < SLACK ? Math.min(quietNeeded * 2, MAX_QUIET_TICKS) : QUIET_TICKS;
        activeSinceTrim = false;
        quietTicks = 0;
        return true;
    }
}

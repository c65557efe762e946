package dev.seccheck.remote.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When the server asks for the heap back: once after a burst, not while busy, not for nothing. */
class HeapTrimTest {
    private static final long MB = 1 << 20;

    /**
     * A heap that grows by what the test says and shrinks toward {@code live} as the serial
     * collector does: by 0, 10, 40 then 100% of the excess on successive full collections.
     */
    private static final class Heap {
        private static final int[] SHRINK_PERCENT = {0, 10, 40, 100};
        long committed = 16 * MB;
        long live = 16 * MB;
        int collections;
        int successive;

        void collect() {
            collections++;
            long target = Math.max(16 * MB, live);
            if (committed <= target) {
                successive = 0; // nothing to shrink: the damping starts over
                return;
            }
            committed -= (committed - target) * SHRINK_PERCENT[Math.min(successive++, 3)] / 100;
        }
    }

    private final Heap heap = new Heap();
    private final HeapTrim trim = new HeapTrim(() -> heap.committed, heap::collect);

    private int quietTicks(int n) {
        int collected = 0;
        for (int i = 0; i < n; i++) {
            collected += trim.tick() ? 1 : 0;
        }
        return collected;
    }

    @Test
    void aBurstThatGrewTheHeapIsCollectedOnceAfterTenQuietTicks() {
        for (int i = 0; i < 5; i++) { // five busy seconds
            trim.received(10 << 20);
            heap.committed += 20 * MB;
            assertThat(trim.tick()).isFalse();
        }
        assertThat(quietTicks(HeapTrim.QUIET_TICKS - 1)).isZero();
        assertThat(trim.tick()).as("the tenth quiet tick").isTrue();
        assertThat(heap.committed).as("given back whole despite the damping").isEqualTo(16 * MB);
        assertThat(heap.collections).isEqualTo(HeapTrim.COLLECTIONS);
        assertThat(quietTicks(1000)).as("no activity since: no more collections").isZero();
        assertThat(heap.collections).isEqualTo(HeapTrim.COLLECTIONS);
    }

    @Test
    void aBusyServerIsNeverCollectedAndATrickleCountsAsQuiet() {
        heap.committed = 200 * MB;
        for (int i = 0; i < 100; i++) {
            trim.received((int) HeapTrim.QUIET_BYTES);
            assertThat(trim.tick()).isFalse();
        }
        assertThat(heap.collections).isZero();
        for (int i = 0; i < HeapTrim.QUIET_TICKS; i++) {
            trim.received(100); // an honest sandbox's few messages a second
            trim.tick();
        }
        assertThat(heap.collections).isPositive();
    }

    @Test
    void aHeapNearItsStartingSizeIsLeftAlone() {
        trim.received(1 << 20);
        heap.committed += HeapTrim.SLACK;
        assertThat(quietTicks(100)).isZero();
        trim.connectionChanged();
        heap.committed += 1;
        assertThat(quietTicks(1)).as("grown past the slack, quiet long enough already").isOne();
    }

    @Test
    void closedConnectionsAloneAreActivityWorthATrim() {
        heap.committed = 64 * MB; // the connections' buffers, now garbage
        trim.connectionChanged();
        assertThat(quietTicks(HeapTrim.QUIET_TICKS)).isOne();
    }

    @Test
    void collectionsThatGiveNothingBackBackOffToTheLongestQuietTime() {
        heap.live = heap.committed = 100 * MB; // a large live set that stays
        int[] waits = new int[9];
        for (int round = 0; round < waits.length; round++) {
            trim.received(1);
            int ticks = 0;
            while (!trim.tick()) {
                ticks++;
                assertThat(ticks).isLessThan(10_000);
            }
            waits[round] = ticks + 1;
        }
        assertThat(waits).containsExactly(10, 20, 40, 80, 160, 320, 640, 640, 640);
        heap.live = 16 * MB; // the data is gone: the next trim gives back and resets the wait
        trim.received(1);
        assertThat(quietTicks(HeapTrim.MAX_QUIET_TICKS)).isOne();
        trim.received(1);
        heap.committed = 100 * MB;
        assertThat(quietTicks(HeapTrim.QUIET_TICKS)).isOne();
    }
}

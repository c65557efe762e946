package dev.seccheck.kafka.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.proto.common.MessageType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Every record queued reaches exactly one of send and drop, in order, whatever the close. */
class SendQueueTest {
    private static SendQueue.Pending record(int i) {
        return new SendQueue.Pending(MessageType.MESSAGE_SYSCALL_OPEN, new byte[0], new byte[] {(byte) i}, i);
    }

    @Test
    void recordsAreSentInOrderAndTheCloseSendsWhatIsQueued() {
        List<Long> sent = new CopyOnWriteArrayList<>();
        SendQueue q = new SendQueue("test-send", p -> sent.add(p.cost()), p -> {
            throw new AssertionError("dropped " + p.cost());
        });
        for (int i = 0; i < 1000; i++) {
            q.add(record(i));
        }
        assertThat(q.close(Duration.ofSeconds(30))).as("the sending thread ended").isTrue();
        assertThat(sent).hasSize(1000);
        for (int i = 0; i < 1000; i++) {
            assertThat(sent.get(i)).isEqualTo(i);
        }
    }

    @Test
    void aRecordAddedAfterTheCloseIsDroppedNotLost() {
        List<Long> sent = new CopyOnWriteArrayList<>();
        List<Long> dropped = new CopyOnWriteArrayList<>();
        SendQueue q = new SendQueue("test-send", p -> sent.add(p.cost()), p -> dropped.add(p.cost()));
        q.add(record(1));
        assertThat(q.close(Duration.ofSeconds(30))).isTrue();
        q.add(record(2)); // a point that raced the sink's stop

        assertThat(sent).containsExactly(1L);
        assertThat(dropped).containsExactly(2L);
        assertThat(q.awaitDone(Duration.ofSeconds(1))).as("nothing left in the queue").isTrue();
    }
}

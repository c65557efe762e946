package dev.seccheck.sinks.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.abi.Errno;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.sink.OnDrop;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sink.TrailStream;
import dev.seccheck.sinks.FullDisk;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

/**
 * A line the text sink's stream does not take is a dropped point: counted, and failing its
 * operation as {@code on_drop} says; once the stream takes lines again, the points go on.
 */
class TextSinkDropsTest {
    private static final Point OPENAT = Catalog.standard().byName("syscall/openat/enter").orElseThrow().point();
    private static final Open OPEN = Open.newBuilder().setFd(-100).setPathname("/etc/hostname").build();

    private static TextSink sink(PrintStream out, OnDrop onDrop) {
        return new TextSink(out, false, TextOptions.DEFAULTS, new BitSet(), onDrop, "trail.log");
    }

    @Test
    void aLineTheDiskRefusesIsCountedAndFailsItsOperationWhenOnDropSaysSo() throws Exception {
        for (OnDrop onDrop : OnDrop.values()) {
            FullDisk disk = new FullDisk();
            TextSink sink = sink(new TrailStream(disk), onDrop);
            sink.point(OPENAT, null, MessageType.MESSAGE_SYSCALL_OPEN, OPEN);
            disk.full = true;
            if (onDrop == OnDrop.COUNT) {
                sink.point(OPENAT, null, MessageType.MESSAGE_SYSCALL_OPEN, OPEN);
            } else {
                assertThatThrownBy(() -> sink.point(OPENAT, null, MessageType.MESSAGE_SYSCALL_OPEN, OPEN))
                        .isInstanceOfSatisfying(SecurityCheckException.class, e -> {
                            assertThat(e.errno()).isEqualTo(Errno.EPERM);
                            assertThat(e.killTask()).isEqualTo(onDrop == OnDrop.KILL);
                            assertThat(e).hasMessage("the text sink could not write syscall/openat/enter to trail.log");
                        });
            }
            assertThat(sink.status().dropped()).isEqualTo(1);
            disk.full = false;
            sink.point(OPENAT, null, MessageType.MESSAGE_SYSCALL_OPEN, OPEN);
            assertThat(sink.status().dropped()).as("a stream that takes lines again").isEqualTo(1);
            assertThat(disk.text().lines()).hasSize(2);
        }
    }

    /** stderr or stdout is a plain PrintStream, which cannot forget a failure: from the first one on, lines count as lost. */
    @Test
    void aPlainStreamThatFailedOnceCountsEveryLaterLine() throws Exception {
        FullDisk disk = new FullDisk();
        TextSink sink = sink(new PrintStream(disk, true, StandardCharsets.UTF_8), OnDrop.COUNT);
        sink.point(OPENAT, null, MessageType.MESSAGE_SYSCALL_OPEN, OPEN);
        assertThat(sink.status().dropped()).isZero();
        disk.full = true;
        sink.point(OPENAT, null, MessageType.MESSAGE_SYSCALL_OPEN, OPEN);
        disk.full = false;
        sink.point(OPENAT, null, MessageType.MESSAGE_SYSCALL_OPEN, OPEN);
        assertThat(sink.status().dropped()).isEqualTo(2);
    }
}

package dev.seccheck.remote.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A trace file whose disk fills while it is saved holds only whole messages, and the count said
 * is the count it holds. Before, every message handed to the stream's buffer counted as saved: a
 * last flush that failed at close left 279 messages and a cut 280th in the file, and the log said
 * "303 messages saved".
 */
class SavedTraceTest {

    /** A file on a disk with room for {@code room} bytes: writes past it are cut, then fail, as the kernel's. */
    private static final class SmallDisk implements SeekableByteChannel {
        private final byte[] data;
        private int size;
        private int position;
        private boolean open = true;

        SmallDisk(int room) {
            data = new byte[room];
        }

        byte[] bytes() {
            return Arrays.copyOf(data, size);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = Math.min(src.remaining(), data.length - position);
            if (n == 0 && src.hasRemaining()) {
                throw new IOException("No space left on device");
            }
            src.get(data, position, n);
            position += n;
            size = Math.max(size, position);
            return n;
        }

        @Override
        public SeekableByteChannel truncate(long length) {
            size = (int) Math.min(size, length);
            position = (int) Math.min(position, length);
            return this;
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public SeekableByteChannel position(long p) {
            position = (int) p;
            return this;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public int read(ByteBuffer dst) {
            int n = Math.min(dst.remaining(), size - position);
            if (n <= 0) {
                return -1;
            }
            dst.put(data, position, n);
            position += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }

    private static byte[] message(int i) {
        byte[] m = new byte[70];
        Arrays.fill(m, (byte) i);
        return m;
    }

    /** Reads {@code file} back as tracereplay does: every message whole, to a clean end. */
    private static int messages(byte[] file) throws IOException {
        try (TraceReader r = new TraceReader(new ByteArrayInputStream(file))) {
            while (r.next()) {
                assertThat(Arrays.copyOf(r.packet(), r.length())).isEqualTo(message(r.count()));
            }
            return r.count();
        }
    }

    @Test
    void aFlushThatFailsAtCloseLeavesWholeMessagesAndSaysHowMany() throws IOException {
        SmallDisk disk = new SmallDisk(2000);
        SavedTrace trace = new SavedTrace(disk);
        for (int i = 1; i <= 40; i++) {
            trace.add(message(i), 70);
        }
        SavedTrace.Failed failed = catchThrowableOfType(SavedTrace.Failed.class, trace::close);
        assertThat(failed).hasMessageContaining("No space left on device");
        int inFile = messages(disk.bytes());
        assertThat(inFile).as("whole messages in the file").isPositive().isLessThan(40);
        assertThat(failed.saved).isEqualTo(inFile);
        assertThat(failed.lost).isEqualTo(40 - inFile);
        assertThat(trace.saved()).isEqualTo(inFile);
        assertThat(disk.isOpen()).isFalse();
    }

    @Test
    void aWriteThatFailsMidStreamCutsTheFileBackAndKeepsWhatWasWhole() throws IOException {
        SmallDisk disk = new SmallDisk(SavedTrace.FLUSH_BYTES + 5000);
        SavedTrace trace = new SavedTrace(disk);
        assertThatThrownBy(() -> {
            for (int i = 1; i <= 2000; i++) {
                trace.add(message(i), 70);
            }
        }).isInstanceOf(SavedTrace.Failed.class);
        assertThat(trace.saved()).as("whole messages in the file, read back to a clean end")
                .isEqualTo(messages(disk.bytes())).isPositive();
    }

    @Test
    void aTraceWithRoomForAllIsWhole() throws IOException {
        SmallDisk disk = new SmallDisk(1 << 20);
        try (SavedTrace trace = new SavedTrace(disk)) {
            for (int i = 1; i <= 300; i++) {
                trace.add(message(i), 70);
            }
            trace.flush();
            assertThat(trace.saved()).isEqualTo(300);
        }
        assertThat(messages(disk.bytes())).isEqualTo(300);
    }

    @Test
    void aDiskWithoutRoomForTheHeaderLeavesAnEmptyFile() {
        SmallDisk disk = new SmallDisk(10);
        assertThatThrownBy(() -> new SavedTrace(disk)).hasMessageContaining("No space left on device");
        assertThat(disk.bytes()).isEmpty();
    }
}

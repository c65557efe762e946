package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * Ancillary data is walked as the kernel walks it: records at multiples of 8 bytes, a short tail
 * ignored, and a record whose length is shorter than its header or runs past the data malformed,
 * the records before it still taken (their descriptors are, by the kernel, before its EINVAL).
 */
class AncillaryDataTest {

    /** Records of {@code lengths} (header included), level 1, type i+1, one after the other, 8-byte aligned. */
    private static byte[] records(long... lengths) {
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        int at = 0;
        for (int i = 0; i < lengths.length; i++) {
            b.putLong(at, lengths[i]).putInt(at + 8, 1).putInt(at + 12, i + 1);
            at += (int) ((Math.max(lengths[i], 16) + 7) & ~7L);
        }
        byte[] out = new byte[at];
        b.get(0, out);
        return out;
    }

    @Test
    void wellFormedRecordsAreTakenInOrder() throws Exception {
        assertThat(AncillaryData.records(records(20, 28, 16)))
                .extracting(AncillaryData.Record::at, AncillaryData.Record::length, AncillaryData.Record::type)
                .containsExactly(tuple(0, 20, 1), tuple(24, 28, 2), tuple(56, 16, 3));
    }

    @Test
    void aMalformedRecordEndsTheWalkAfterTheOnesBeforeIt() {
        byte[] data = records(20, 8, 20);
        assertThatThrownBy(() -> AncillaryData.records(data)).isInstanceOf(AncillaryData.Malformed.class);
        assertThat(AncillaryData.leadingRecords(data)).extracting(AncillaryData.Record::type).containsExactly(1);
        byte[] pastTheEnd = records(20, 16);
        ByteBuffer.wrap(pastTheEnd).order(ByteOrder.LITTLE_ENDIAN).putLong(24, 400); // runs past the data
        assertThat(AncillaryData.leadingRecords(pastTheEnd)).hasSize(1);
        assertThat(AncillaryData.leadingRecords(new byte[0])).isEmpty();
        assertThat(AncillaryData.leadingRecords(new byte[15])).isEmpty(); // a tail shorter than a header
    }
}

package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * AncillaryData reads the records (cmsghdr) of a message's ancillary data, or of IPv6's packet
 * options set as a socket option, as the kernel walks them: a record starts at each multiple of
 * 8 bytes after the one before it, a tail shorter than a header is ignored, and a record whose
 * length is shorter than its header or runs past the data makes the whole call fail with EINVAL.
 */
final class AncillaryData {
    private AncillaryData() {}

    /** The size of a record's header: its length (8 bytes), level and type. */
    static final int HEADER = 16;

    /** One record: where it starts in the data, its length (header included), level and type. */
    record Record(int at, int length, int level, int type) {
        /** Where its value starts. */
        int valueAt() {
            return at + HEADER;
        }

        /** Its value's length. */
        int valueLength() {
            return length - HEADER;
        }
    }

    /** The data is not well formed: the kernel refuses it with {@link Errno#EINVAL}. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String why) {
            super(why, null, false, false);
        }
    }

    /** Returns the records of {@code data} in order. */
    static List<Record> records(byte[] data) throws Malformed {
        List<Record> out = new ArrayList<>();
        String malformed = walk(data, out);
        if (malformed != null) {
            throw new Malformed(malformed);
        }
        return out;
    }

    /**
     * The well-formed records of {@code data} up to the first malformed one, which the kernel's
     * walk over the records reaches after it has taken those before it (the descriptors of an
     * SCM_RIGHTS record included), and then fails with EINVAL.
     */
    static List<Record> leadingRecords(byte[] data) {
        List<Record> out = new ArrayList<>();
        walk(data, out);
        return out;
    }

    /** Adds the well-formed records to {@code out}; returns why the next one is malformed, or null when none is. */
    private static String walk(byte[] data, List<Record> out) {
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int at = 0;
        while (at + HEADER <= data.length) {
            long len = in.getLong(at);
            if (len < HEADER || len > data.length - at) {
                return "a record of " + len + " bytes at " + at + " of " + data.length;
            }
            out.add(new Record(at, (int) len, in.getInt(at + 8), in.getInt(at + 12)));
            at += (int) ((len + 7) & ~7L);
        }
        return null;
    }
}

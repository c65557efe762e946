package dev.seccheck.sentry.emulate;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** AncillaryRecords builds ancillary data (cmsghdr records) as a program writes it, for tests. */
final class AncillaryRecords {
    private AncillaryRecords() {}

    /** One record of {@code level} and {@code type} holding {@code value}, padded to 8 bytes as CMSG_SPACE pads it. */
    static byte[] record(int level, int type, byte[] value) {
        int len = AncillaryData.HEADER + value.length;
        ByteBuffer b = ByteBuffer.allocate((len + 7) & ~7).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(len).putInt(level).putInt(type).put(value);
        return b.array();
    }

    /** An SCM_RIGHTS record passing {@code fds}. */
    static byte[] rights(int... fds) {
        ByteBuffer v = ByteBuffer.allocate(4 * fds.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int fd : fds) {
            v.putInt(fd);
        }
        return record(1 /* SOL_SOCKET */, 1 /* SCM_RIGHTS */, v.array());
    }

    /** {@code a} then {@code b}. */
    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

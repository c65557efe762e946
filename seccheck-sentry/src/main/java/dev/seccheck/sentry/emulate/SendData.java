package dev.seccheck.sentry.emulate;

import dev.seccheck.linux.SentBytes;

/**
 * SendData is the data of a send seccheck makes for a program: read whole before the send
 * ({@link Read}: a datagram's or a seqpacket's message, which goes as one piece, or a short
 * send), or left in the program's memory as its ranges ({@link InChunks}: a stream socket's
 * longer send, read {@link StreamChunks#CHUNK} at a time as it is sent). A send that waits on a
 * full socket holds what was read of it, so a program's waiting stream sends cost seccheck a chunk
 * each, not their whole data (before, up to 1 MiB each, twice).
 */
sealed interface SendData {

    /** The length the send asks for: what a send that takes it all returns. */
    long length();

    /**
     * Data read whole, as the kernel is to copy it ({@link SentBytes}), sent with the program's
     * flags and {@code added}: MSG_DONTWAIT for a stream send that never waits, read whole as it
     * holds its data no longer than the call ({@link StreamChunks#data}).
     */
    record Read(SentBytes bytes, int added) implements SendData {

        /** {@code bytes}, sent with the program's flags alone. */
        Read(SentBytes bytes) {
            this(bytes, 0);
        }


        @Override
        public long length() {
            return bytes.length();
        }
    }

    /**
     * A stream send's data left in task {@code tid}'s memory: {@code addrs[i]} and {@code lens[i]}
     * are its pieces in order, their ranges checked already, and {@code length} their sum, cut to
     * the most seccheck sends at once.
     */
    record InChunks(int tid, long[] addrs, long[] lens, long length) implements SendData {}
}

package dev.seccheck.linux;

/**
 * SentBytes is the data seccheck sends for a program: the bytes it could read of the program's
 * buffer, and the length the program gave. When the program's memory ended before that length,
 * {@link SocketCalls} hands the kernel those bytes followed by an unreadable page, so that the
 * kernel's copy fails (EFAULT) at the very byte where the program's own send would have: after the
 * checks the protocol makes first (a closed stream's EPIPE, a datagram's EMSGSIZE), and for a
 * stream after the bytes before it were sent.
 *
 * @param readable the bytes read from the program, in order
 * @param length the length the program gave; more than {@code readable} holds when its memory
 *     ended first
 */
public record SentBytes(byte[] readable, long length) {

    public SentBytes {
        if (length < readable.length) {
            throw new IllegalArgumentException("a length of " + length + " for " + readable.length + " bytes read");
        }
    }

    /** All of {@code bytes}, readable to the end. */
    public static SentBytes of(byte[] bytes) {
        return new SentBytes(bytes, bytes.length);
    }

    /** Whether the program's memory ended before its length: the kernel's copy is to fail there. */
    public boolean endsEarly() {
        return readable.length < length;
    }
}

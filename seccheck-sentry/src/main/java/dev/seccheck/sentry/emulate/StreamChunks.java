package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.ProcessMemory;
import dev.seccheck.linux.SentBytes;
import dev.seccheck.linux.SocketCalls;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * StreamChunks is one send on a stream socket made as sends of {@link #CHUNK} bytes at most, each
 * read from the program's memory just before it goes ({@link BlockingSocketCall#make(
 * BlockingSocketCall.Steps)} sums their counts): a send waiting on a full socket then holds one
 * chunk of the program's data, where it held all of it (up to 1 MiB, as read and as handed to the
 * kernel: 300 such sends waiting cost seccheck 846 MB). A stream carries bytes, not messages, so
 * the receiver reads the same bytes in the same order. What goes with the send as a whole goes
 * with its first chunk only: its address (a TCP Fast Open connect, or the EISCONN of a connected
 * socket), its ancillary data (descriptors passed on), MSG_FASTOPEN; every chunk but the last has
 * MSG_MORE, the last the program's own flags. The chunks after the first have MSG_NOSIGNAL: a
 * stream send that sent something returns its count, never EPIPE, and raises no SIGPIPE.
 *
 * <p>A chunk whose memory ends early is handed to the kernel so that its copy fails at that byte
 * ({@link SentBytes}): the send returns the bytes sent before it, EFAULT when there were none.
 * The kernel takes a stream send's data in buffers of its own (a unix stream's of 36,544 bytes
 * here, TCP's of a page or so), whole or not at all, so a count that stops short is exact to
 * those bounds, not the chunks': a send whose memory ends early returns the chunks before the
 * faulting one and that one's buffers before the fault (786,432 of a 1 MiB send whose last
 * 256 KiB are unreadable, where natively 767,424), and a signal stops it where it stood, as
 * natively, the count what the reader gets either way. A send that never waits goes whole, so
 * that what fits is the kernel's own count to the byte ({@link #data}). A socket's SO_SNDTIMEO
 * bounds each chunk's wait rather than the whole send's.
 *
 * <p>Besides the chunk as read and as handed to the kernel ({@link HeldSendBytes}), a waiting send
 * holds its reader's bounce buffer, a chunk too.
 */
final class StreamChunks implements BlockingSocketCall.Steps {

    /** The most bytes of the program's data one chunk reads and hands to the kernel. */
    static final int CHUNK = 64 * 1024;

    private static final int SOCK_STREAM = 1;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_MORE = 0x8000;
    private static final int MSG_NOSIGNAL = 0x4000;

    private final int sock;
    private final SendData.InChunks data;
    private final int flags;
    private final byte[] addr;
    private final byte[] control;
    /** Created on the thread that sends, which may be a Landlock domain's: one instance per thread. */
    private final ProcessMemory reader = new ProcessMemory();

    /** The next byte to send, counted from the start of the data; the piece it lies in, and where in it. */
    private long offset;
    private int piece;
    private long inPiece;
    /** Set by a chunk that did not take all it was given, or took the last byte. */
    private boolean done;

    /**
     * @param sock our copy of the program's socket
     * @param data the program's data, left where it is
     * @param flags the program's flags
     * @param addr the address to send to, none when null
     * @param control the ancillary data, empty when none
     */
    StreamChunks(int sock, SendData.InChunks data, int flags, byte[] addr, byte[] control) {
        this.sock = sock;
        this.data = data;
        this.flags = flags;
        this.addr = addr;
        this.control = control;
    }

    /**
     * The data of a send with {@code flags} of the program's pieces {@code addrs} and {@code lens}
     * (their ranges checked, cut to {@code length} bytes in all) by task {@code tid} on our copy
     * {@code sock} of its socket: left in the program's memory, to go in chunks, for a stream
     * send longer than one that may wait; else as {@code read} reads it now. A datagram or a
     * seqpacket's message goes whole, as one send. A stream send that never waits (MSG_DONTWAIT, or
     * a socket with O_NONBLOCK) goes whole too, as its data is held no longer than the call and its
     * count is then the kernel's own to the byte (its buffers' bounds decide what fits), with
     * MSG_DONTWAIT added: another thread of the program that clears O_NONBLOCK meanwhile cannot
     * make it wait holding all its data.
     */
    static SendData data(int tid, int sock, int flags, long[] addrs, long[] lens, long length, Supplier<SentBytes> read) {
        if (sock < 0 || SocketCalls.socketOption(sock, SocketCalls.SO_TYPE) != SOCK_STREAM) {
            return new SendData.Read(read.get());
        }
        long status = (flags & MSG_DONTWAIT) != 0 ? 0 : SocketCalls.statusFlags(sock);
        if ((flags & MSG_DONTWAIT) != 0 || status >= 0 && (status & Fcntl.O_NONBLOCK) != 0) {
            return new SendData.Read(read.get(), MSG_DONTWAIT);
        }
        return length > CHUNK ? new SendData.InChunks(tid, addrs, lens, length) : new SendData.Read(read.get());
    }

    /** Reads and sends the next chunk: its count, or -errno. */
    @Override
    public long next() {
        int want = (int) Math.min(CHUNK, data.length() - offset);
        boolean first = offset == 0;
        boolean last = offset + want == data.length();
        int chunkFlags = first ? flags : flags & ~NetEmulation.MSG_FASTOPEN | MSG_NOSIGNAL;
        if (!last) {
            chunkFlags |= MSG_MORE;
        }
        SentBytes bytes = read(want);
        int sent = chunkFlags;
        long r = HeldSendBytes.during(bytes.readable().length, () -> first && control.length > 0
                ? SocketCalls.sendmsg(sock, bytes, sent, addr, control)
                : SocketCalls.sendto(sock, bytes, sent, first ? addr : null));
        if (r > 0) {
            advance(r);
        }
        done = r != want || last;
        return r;
    }

    @Override
    public boolean done() {
        return done;
    }

    /**
     * The next {@code want} bytes of the program's data, as far as its memory goes; read with
     * seccheck's own credentials, as the whole send's were before it was cut in chunks, not the
     * program's the sending thread may hold (a program that changed its ids is not dumpable).
     */
    private SentBytes read(int want) {
        byte[] chunk = new byte[want];
        int got = Identity.asOwn(() -> {
            int n = 0;
            int p = piece;
            long at = inPiece;
            while (n < want) {
                if (at == data.lens()[p]) {
                    p++;
                    at = 0;
                    continue;
                }
                int ask = (int) Math.min(want - n, data.lens()[p] - at);
                int r;
                try {
                    r = reader.read(data.tid(), data.addrs()[p] + at, chunk, n, ask);
                } catch (LinuxException e) {
                    return n; // not even that piece's first byte
                }
                n += r;
                at += r;
                if (r < ask) {
                    return n;
                }
            }
            return n;
        });
        if (got == want) {
            return SentBytes.of(chunk);
        }
        return new SentBytes(Arrays.copyOf(chunk, got), want);
    }

    /** Moves past {@code count} bytes sent. */
    private void advance(long count) {
        offset += count;
        long left = count;
        while (left > 0) {
            long room = data.lens()[piece] - inPiece;
            if (left < room) {
                inPiece += left;
                return;
            }
            left -= room;
            piece++;
            inPiece = 0;
        }
    }
}

package dev.seccheck.remote.replay;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * TraceReader reads a {@link TraceFile} one packet at a time into one reused buffer, so reading
 * costs at most 1 MiB whatever the file's size. A trace file is written by whoever the saving
 * server let connect: a crafted one (a sparse file declaring thousands of 1 MiB packets) took the
 * whole heap of a replay that read every packet before sending the first. Errors say what is wrong
 * and at which offset; the packets before a damaged one are read normally.
 */
public final class TraceReader implements AutoCloseable {
    private final InputStream in;
    private final byte[] config;
    private final byte[] packet = new byte[(int) TraceFile.MAX_SIZE];
    private long offset;
    private int count;
    private int length;

    /**
     * Reads the signature and the config from {@code in}, which this reader closes.
     *
     * @throws IOException when the file does not start with a signature and a config
     */
    public TraceReader(InputStream in) throws IOException {
        this.in = in;
        byte[] sig = in.readNBytes(TraceFile.SIGNATURE.length);
        if (!Arrays.equals(sig, TraceFile.SIGNATURE)) {
            throw new IOException("not a trace file: the signature is not \"tracereplay file\"");
        }
        offset = TraceFile.SIGNATURE.length;
        int n = readChunk("config");
        if (n < 0) {
            throw new IOException("trace file ends before its config");
        }
        config = Arrays.copyOf(packet, n);
        offset += 8 + n;
    }

    /** Returns the config JSON as stored. */
    public byte[] config() {
        return config.clone();
    }

    /** Returns the wire version the config gives ({@link TraceFile#version(byte[])}). */
    public int version() throws IOException {
        return TraceFile.version(config);
    }

    /**
     * Reads the next packet into {@link #packet()}.
     *
     * @return false at the clean end of the file
     * @throws IOException when the next packet is damaged (cut, or its size over 1 MiB); the
     *     message names it and its offset
     */
    public boolean next() throws IOException {
        int n = readChunk("message " + (count + 1));
        if (n < 0) {
            return false;
        }
        length = n;
        count++;
        offset += 8 + n;
        return true;
    }

    /** Returns the buffer holding the packet {@link #next} read; valid until the next call. */
    public byte[] packet() {
        return packet;
    }

    /** Returns the length of the packet {@link #next} read. */
    public int length() {
        return length;
    }

    /** Returns how many packets were read so far. */
    public int count() {
        return count;
    }

    /** Returns the offset just after the last packet read, where the next one starts. */
    public long offset() {
        return offset;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Reads one size-prefixed chunk into {@link #packet}, returning its length, or -1 at a clean end. */
    private int readChunk(String what) throws IOException {
        byte[] size = in.readNBytes(8);
        if (size.length == 0) {
            return -1;
        }
        if (size.length < 8) {
            throw new IOException("trace file truncated in the size of " + what + " at offset " + offset);
        }
        long n = ByteBuffer.wrap(size).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 0 || n > TraceFile.MAX_SIZE) {
            throw new IOException("size of " + what + " at offset " + offset + " is " + Long.toUnsignedString(n)
                    + " bytes, over the 1 MiB limit");
        }
        int got = in.readNBytes(packet, 0, (int) n);
        if (got < n) {
            throw new IOException("trace file truncated in " + what + " at offset " + offset + ": " + got + " of " + n
                    + " bytes");
        }
        return (int) n;
    }
}

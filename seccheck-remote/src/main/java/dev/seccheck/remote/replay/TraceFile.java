package dev.seccheck.remote.replay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.seccheck.config.StrictJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * TraceFile is gVisor's tracereplay format: the 16-byte signature {@code tracereplay file}, a
 * size-prefixed JSON config ({@code {"version":1}}), then size-prefixed packets, each exactly the
 * bytes of one packet (header + payload). Sizes are 8-byte little-endian and at most 1 MiB.
 *
 * @param config the config JSON as stored
 * @param packets the packets in order
 */
public record TraceFile(byte[] config, List<byte[]> packets) {
    /** The file's first 16 bytes. */
    public static final byte[] SIGNATURE = "tracereplay file".getBytes(StandardCharsets.US_ASCII);
    /** The config this implementation writes. */
    public static final byte[] CONFIG = "{\"version\":1}".getBytes(StandardCharsets.US_ASCII);
    /** The largest size field accepted, as in gVisor. */
    public static final long MAX_SIZE = 1 << 20;

    public TraceFile {
        packets = List.copyOf(packets);
    }

    /** Reads a whole trace file; errors say what is wrong and at which offset. */
    public static TraceFile read(InputStream in) throws IOException {
        byte[] sig = in.readNBytes(SIGNATURE.length);
        if (!Arrays.equals(sig, SIGNATURE)) {
            throw new IOException("not a trace file: the signature is not \"tracereplay file\"");
        }
        long offset = SIGNATURE.length;
        byte[] config = readChunk(in, offset, "config");
        if (config == null) {
            throw new IOException("trace file ends before its config");
        }
        offset += 8 + config.length;
        List<byte[]> packets = new ArrayList<>();
        byte[] p;
        while ((p = readChunk(in, offset, "message " + (packets.size() + 1))) != null) {
            packets.add(p);
            offset += 8 + p.length;
        }
        return new TraceFile(config, packets);
    }

    /** The largest version a config may give: gVisor's field is a uint32. */
    private static final long MAX_VERSION = 0xffff_ffffL;

    /**
     * Returns the wire version the config gives, the one a replay announces in its handshake, as
     * gVisor's tracereplay reads it: the config must be a JSON object; {@code version}, when
     * present and not null, an integer from 0 to 2^32-1; absent, it is 0. Other keys are ignored.
     *
     * @throws IOException naming what is wrong with the config
     */
    public int version() throws IOException {
        JsonNode root = StrictJson.readObject(config, "the trace file's config is not JSON",
                () -> "the trace file's config is not a JSON object: " + new String(config, StandardCharsets.UTF_8));
        JsonNode v = root.get("version");
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.isIntegralNumber() || v.asLong() < 0 || !v.canConvertToLong() || v.asLong() > MAX_VERSION) {
            throw new IOException("the trace file's config has version " + v + ", not an integer from 0 to "
                    + MAX_VERSION);
        }
        return (int) v.asLong();
    }

    /** Returns the file's bytes. */
    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeHeader(out, config);
            for (byte[] p : packets) {
                writeChunk(out, p);
            }
        } catch (IOException e) {
            throw new AssertionError("in-memory write failed", e);
        }
        return out.toByteArray();
    }

    /** Writes the signature and a config chunk. */
    public static void writeHeader(OutputStream out, byte[] config) throws IOException {
        out.write(SIGNATURE);
        writeChunk(out, config);
    }

    /** Writes one size-prefixed chunk (the config or a packet). */
    public static void writeChunk(OutputStream out, byte[] data) throws IOException {
        writeChunk(out, data, data.length);
    }

    /** Writes {@code data[0..length)} as one size-prefixed chunk, without copying it first. */
    public static void writeChunk(OutputStream out, byte[] data, int length) throws IOException {
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(length).array());
        out.write(data, 0, length);
    }

    private static byte[] readChunk(InputStream in, long offset, String what) throws IOException {
        byte[] size = in.readNBytes(8);
        if (size.length == 0) {
            return null;
        }
        if (size.length < 8) {
            throw new IOException("trace file truncated in the size of " + what + " at offset " + offset);
        }
        long n = ByteBuffer.wrap(size).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 0 || n > MAX_SIZE) {
            throw new IOException("size of " + what + " at offset " + offset + " is " + Long.toUnsignedString(n)
                    + " bytes, over the 1 MiB limit");
        }
        byte[] data = in.readNBytes((int) n);
        if (data.length < n) {
            throw new IOException("trace file truncated in " + what + " at offset " + offset + ": " + data.length
                    + " of " + n + " bytes");
        }
        return data;
    }
}

package dev.seccheck.remote.replay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.seccheck.config.StrictJson;
import dev.seccheck.format.Escape;
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

    /**
     * Reads a whole trace file into memory: up to 1 MiB a packet, for every packet, so only for
     * files known to be small (tests, fixtures). A replay streams with {@link TraceReader}.
     */
    public static TraceFile read(InputStream in) throws IOException {
        try (TraceReader r = new TraceReader(in)) {
            List<byte[]> packets = new ArrayList<>();
            while (r.next()) {
                packets.add(Arrays.copyOf(r.packet(), r.length()));
            }
            return new TraceFile(r.config(), packets);
        }
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
        return version(config);
    }

    /** How much of a config an error quotes: the file is anyone's, and the quote is escaped and cut. */
    private static final int QUOTED = 128;

    /**
     * Returns the wire version {@code config} gives, as {@link #version()} explains. The errors
     * quote the config escaped and cut ({@link Escape#quoted}): a crafted config held terminal
     * escapes and whole forged lines that the operator's terminal printed as seccheck's own.
     *
     * @throws IOException naming what is wrong with the config
     */
    public static int version(byte[] config) throws IOException {
        JsonNode root = StrictJson.readObject(config, "the trace file's config is not JSON",
                () -> "the trace file's config is not a JSON object: "
                        + Escape.quoted(new String(config, StandardCharsets.UTF_8), QUOTED));
        JsonNode v = root.get("version");
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.isIntegralNumber() || v.asLong() < 0 || !v.canConvertToLong() || v.asLong() > MAX_VERSION) {
            throw new IOException("the trace file's config has version " + Escape.plain(v.toString(), QUOTED)
                    + ", not an integer from 0 to " + MAX_VERSION);
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
}

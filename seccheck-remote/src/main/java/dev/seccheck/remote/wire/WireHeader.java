package dev.seccheck.remote.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * WireHeader is the 8-byte little-endian header in front of every message of the remote
 * protocol: {@code uint16 header_size, uint16 message_type, uint32 dropped_count}. Readers find
 * the payload at {@code header_size}, so a longer header from a newer peer still decodes.
 *
 * @param headerSize bytes from the start of the packet to the payload
 * @param messageType the {@code MessageType} number
 * @param droppedCount points the sender dropped so far, as an unsigned 32-bit count
 */
public record WireHeader(int headerSize, int messageType, long droppedCount) {
    /** The size of the header this version writes. */
    public static final int SIZE = 8;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    /** Writes a header of {@link #SIZE} bytes at offset 0 of {@code seg}. */
    public static void write(MemorySegment seg, int messageType, long dropped) {
        seg.set(U16, 0, (short) SIZE);
        seg.set(U16, 2, (short) messageType);
        seg.set(U32, 4, (int) dropped);
    }

    private static final java.lang.invoke.VarHandle ARRAY_U16 =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(short[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final java.lang.invoke.VarHandle ARRAY_U32 =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /**
     * Writes a header of {@link #SIZE} bytes at index 0 of {@code packet}, as
     * {@link #write(MemorySegment, int, long)} does, without a segment wrapping the array.
     */
    public static void write(byte[] packet, int messageType, long dropped) {
        ARRAY_U16.set(packet, 0, (short) SIZE);
        ARRAY_U16.set(packet, 2, (short) messageType);
        ARRAY_U32.set(packet, 4, (int) dropped);
    }

    /** Returns the header as its {@link #SIZE} bytes. */
    public static byte[] encode(int messageType, long dropped) {
        byte[] b = new byte[SIZE];
        write(MemorySegment.ofArray(b), messageType, dropped);
        return b;
    }

    /**
     * Decodes the header at the start of a packet of {@code length} bytes.
     *
     * @throws MalformedPacketException if the packet is shorter than a header or the header
     *     claims more bytes than the packet has
     */
    public static WireHeader decode(byte[] packet, int length) throws MalformedPacketException {
        if (length < SIZE) {
            throw new MalformedPacketException("packet of " + length + " bytes is shorter than the " + SIZE + "-byte header");
        }
        MemorySegment seg = MemorySegment.ofArray(packet);
        int size = Short.toUnsignedInt(seg.get(U16, 0));
        if (size < SIZE || size > length) {
            throw new MalformedPacketException("header_size " + size + " outside " + SIZE + ".." + length
                    + " (packet length)");
        }
        return new WireHeader(size, Short.toUnsignedInt(seg.get(U16, 2)), Integer.toUnsignedLong(seg.get(U32, 4)));
    }
}

package dev.seccheck.sentry.syscalls;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * FakeMemory is a sparse task address space for decoder tests: regions placed at chosen or
 * allocated addresses, everything else unreadable. It counts reads so tests can prove that
 * a decoder did not touch memory.
 */
final class FakeMemory implements TaskMemory {
    private final TreeMap<Long, byte[]> regions = new TreeMap<>();
    private long next = 0x10_0000;
    int reads;

    /** Places {@code bytes} at a fresh address, with an unreadable gap after it, and returns the address. */
    long alloc(byte[] bytes) {
        long addr = next;
        put(addr, bytes);
        next = (addr + bytes.length + 0x1000 + 0xfff) & ~0xfffL;
        return addr;
    }

    long string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] z = new byte[b.length + 1];
        System.arraycopy(b, 0, z, 0, b.length);
        return alloc(z);
    }

    long longs(long... values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            buf.putLong(v);
        }
        return alloc(buf.array());
    }

    long ints(int... values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            buf.putInt(v);
        }
        return alloc(buf.array());
    }

    /** A NULL-terminated vector of pointers to these strings. */
    long vector(String... strings) {
        long[] p = new long[strings.length + 1];
        for (int i = 0; i < strings.length; i++) {
            p[i] = string(strings[i]);
        }
        return longs(p);
    }

    void put(long addr, byte[] bytes) {
        regions.put(addr, bytes.clone());
    }

    private int byteAt(long addr) throws MemoryFault {
        Map.Entry<Long, byte[]> e = regions.floorEntry(addr);
        if (e == null || addr - e.getKey() >= e.getValue().length) {
            throw new MemoryFault(addr, "EFAULT");
        }
        return e.getValue()[(int) (addr - e.getKey())] & 0xff;
    }

    @Override
    public byte[] read(long addr, int len) throws MemoryFault {
        reads++;
        byte[] out = new byte[len];
        for (int i = 0; i < len; i++) {
            out[i] = (byte) byteAt(addr + i);
        }
        return out;
    }

    @Override
    public String readString(long addr, int max) throws MemoryFault {
        reads++;
        var out = new ByteArrayOutputStream();
        for (int i = 0; i < max; i++) {
            int b = byteAt(addr + i);
            if (b == 0) {
                break;
            }
            out.write(b);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}

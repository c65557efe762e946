package dev.seccheck.sentry.emulate;

import dev.seccheck.linux.FileNames;
import dev.seccheck.sentry.syscalls.MemoryFault;
import dev.seccheck.sentry.syscalls.TaskMemory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Snapshot is the program's memory as seccheck read it once, for the decoder: the one buffer an
 * emulated call uses (a path or a socket address) at the address the program passed. Any other
 * read faults, so a point's message can only show what the decision was made on.
 *
 * @param doubt why the string is not a name seccheck verified ({@link TaskMemory#doubt}), or null
 */
record Snapshot(long addr, byte[] bytes, String doubt) implements TaskMemory {

    /**
     * Nothing read: every read faults, so a point shows the call's pointers as they were passed
     * (a call answered before the kernel would read its name or address, or whose message carries none).
     */
    static final Snapshot NOTHING = new Snapshot(0, new byte[0]);

    /** A snapshot of the buffer {@code bytes}. */
    Snapshot(long addr, byte[] bytes) {
        this(addr, bytes, null);
    }

    /** A snapshot of a name (without its NUL), as the bytes it was read from ({@link FileNames}). */
    static Snapshot ofString(long addr, String s) {
        return new Snapshot(addr, FileNames.encode(s));
    }

    /** A snapshot of a string shown in place of a name seccheck could not verify, and why. */
    static Snapshot doubted(long addr, String s, String doubt) {
        return new Snapshot(addr, FileNames.encode(s), doubt);
    }

    @Override
    public String doubt(long at) {
        return at == addr ? doubt : null;
    }

    @Override
    public byte[] read(long at, int len) throws MemoryFault {
        if (at != addr || len > bytes.length) {
            throw new MemoryFault(at, "not part of the emulated call's arguments");
        }
        return Arrays.copyOf(bytes, len);
    }

    @Override
    public String readString(long at, int max) throws MemoryFault {
        if (at != addr) {
            throw new MemoryFault(at, "not part of the emulated call's arguments");
        }
        String s = new String(bytes, StandardCharsets.UTF_8);
        return s.length() > max ? s.substring(0, max) : s;
    }
}

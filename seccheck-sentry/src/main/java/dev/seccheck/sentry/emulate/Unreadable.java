package dev.seccheck.sentry.emulate;

import dev.seccheck.sentry.syscalls.MemoryFault;
import dev.seccheck.sentry.syscalls.TaskMemory;

/**
 * Unreadable is the memory of an emulated call whose argument seccheck could not copy: every
 * read faults with {@code reason}, so the decoder leaves the field out and records it as missing
 * with that reason, and a policy decides on the absence instead of an empty value.
 */
record Unreadable(String reason) implements TaskMemory {

    /** The reason for a copy the kernel would have failed with {@code errno}. */
    static Unreadable of(ProgramMemory.Fault f) {
        return new Unreadable(f.errno == dev.seccheck.abi.Errno.ENAMETOOLONG ? "longer than PATH_MAX"
                : "unreadable (" + dev.seccheck.abi.Errno.name(f.errno) + ")");
    }

    @Override
    public byte[] read(long addr, int len) throws MemoryFault {
        throw new MemoryFault(addr, reason);
    }

    @Override
    public String readString(long addr, int max) throws MemoryFault {
        throw new MemoryFault(addr, reason);
    }
}

package dev.seccheck.sentry.syscalls;

/**
 * MemoryFault says that an address of a traced task could not be read (what the kernel would
 * answer with EFAULT). Checked, because a bad pointer in a traced program is ordinary input.
 */
public final class MemoryFault extends Exception {

    private final long address;
    private final String reason;

    /** Creates a fault for {@code address}, with a reason such as the errno name. */
    public MemoryFault(long address, String reason) {
        super("cannot read task memory at 0x" + Long.toHexString(address) + ": " + reason);
        this.address = address;
        this.reason = reason;
    }

    /** Returns why the address could not be read (an errno name, "longer than PATH_MAX", ...). */
    public String reason() {
        return reason;
    }

    /** Returns the first address that could not be read. */
    public long address() {
        return address;
    }
}

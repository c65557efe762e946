package dev.seccheck.linux;

import java.util.List;
import java.util.Objects;

/**
 * IoctlArgument is the memory a held ioctl's argument points to, as seccheck copied it from the
 * program: {@code bytes}, zero-padded to {@code size}, and, for a structure that points to more of
 * the program's memory (fs-verity's salt and signature), the copies of what it points to, whose
 * addresses {@link DescriptorCalls#ioctl} writes at their offsets. A pointer field no copy names
 * must already be zero in {@code bytes}: no address of the program's is passed to the kernel, which
 * would read seccheck's memory there. An empty argument of size 0 is passed as address 0, for a
 * request that takes none.
 */
public record IoctlArgument(byte[] bytes, int size, List<Pointed> pointed) {

    /** The argument of a request that reads none. */
    public static final IoctlArgument NONE = new IoctlArgument(new byte[0], 0, List.of());

    /** A copy of {@code bytes} whose address goes at {@code offset} of the argument, as a 64-bit word. */
    public record Pointed(int offset, byte[] bytes) {
        /** Checks the copy. */
        public Pointed {
            Objects.requireNonNull(bytes, "bytes");
        }
    }

    /** Checks that every pointer lies within the argument. */
    public IoctlArgument {
        Objects.requireNonNull(bytes, "bytes");
        pointed = List.copyOf(pointed);
        for (Pointed p : pointed) {
            if (p.offset() < 0 || p.offset() + Long.BYTES > Math.max(size, bytes.length)) {
                throw new IllegalArgumentException("pointer at " + p.offset() + " outside an argument of "
                        + Math.max(size, bytes.length) + " bytes");
            }
        }
    }

    /** {@code bytes} zero-padded to {@code size}, pointing to nothing more. */
    public static IoctlArgument of(byte[] bytes, int size) {
        return new IoctlArgument(bytes, size, List.of());
    }
}

package dev.seccheck.linux;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.ValueLayout;

/**
 * StructField is one scalar field of a C structure described by a {@link MemoryLayout}: its value
 * layout and byte offset, both selected from the structure's layout by the field's name (never a
 * literal offset), with typed accessors over a segment that holds the structure.
 *
 * <p>Why not the layout's {@code varHandle}: each struct-field VarHandle is a chain of method
 * handles the JDK spins when it is made, in the interpreter at start-up and outside the AOT cache;
 * the ~90 fields of {@link Layouts} made that way cost every {@code seccheck} start tens of
 * milliseconds (BENCHMARKS.md, "Session 35"). A field read here goes through the segment's typed
 * accessor, whose handle the JDK keeps once per value layout; selecting the offset is arithmetic on
 * the layout. Alignment and bounds are checked by the segment as before.
 *
 * <p>Each accessor comes in three forms: the structure at the segment's start; the structure at
 * byte {@code base} of the segment (records of varying length, such as directory entries); and
 * the {@code i}-th element of an array ({@link #stride}: the structure's size, or the element's
 * size for a field that is itself an array, see {@link #elements}).
 */
sealed interface StructField {

    /** The field's byte offset in its structure (for an array field, its first element's). */
    long offset();

    /** The bytes between the field in one element and the next, for the element accessors. */
    long stride();

    /** A field of type {@code int} at {@code path} in {@code struct}. */
    static OfInt ints(MemoryLayout struct, PathElement... path) {
        return new OfInt(select(struct, ValueLayout.OfInt.class, path), struct.byteOffset(path), struct.byteSize());
    }

    /** A field of type {@code long} at {@code path} in {@code struct}. */
    static OfLong longs(MemoryLayout struct, PathElement... path) {
        return new OfLong(select(struct, ValueLayout.OfLong.class, path), struct.byteOffset(path), struct.byteSize());
    }

    /** A field of type {@code short} at {@code path} in {@code struct}. */
    static OfShort shorts(MemoryLayout struct, PathElement... path) {
        return new OfShort(select(struct, ValueLayout.OfShort.class, path), struct.byteOffset(path), struct.byteSize());
    }

    /** A pointer field at {@code path} in {@code struct}. */
    static OfAddress addresses(MemoryLayout struct, PathElement... path) {
        return new OfAddress(select(struct, AddressLayout.class, path), struct.byteOffset(path),
                struct.byteSize());
    }

    /**
     * The {@code long} elements of the array field at {@code path} in {@code struct}: the element
     * accessors take the element's index.
     */
    static OfLong elements(MemoryLayout struct, PathElement... path) {
        if (!(struct.select(path) instanceof SequenceLayout array)
                || !(array.elementLayout() instanceof ValueLayout.OfLong element)) {
            throw new IllegalArgumentException(struct + ": no array of long at " + java.util.List.of(path));
        }
        return new OfLong(element.withoutName(), struct.byteOffset(path), element.byteSize());
    }

    private static <T extends ValueLayout> T select(MemoryLayout struct, Class<T> type, PathElement... path) {
        MemoryLayout field = struct.select(path);
        if (!type.isInstance(field)) {
            throw new IllegalArgumentException(struct + ": the field at " + java.util.List.of(path) + " is " + field
                    + ", not a " + type.getSimpleName());
        }
        @SuppressWarnings("unchecked")
        T unnamed = (T) ((ValueLayout) field).withoutName();
        return unnamed;
    }

    /** An {@code int} field. */
    record OfInt(ValueLayout.OfInt layout, long offset, long stride) implements StructField {
        int get(MemorySegment s) {
            return s.get(layout, offset);
        }

        int get(MemorySegment s, long base) {
            return s.get(layout, base + offset);
        }

        int getElement(MemorySegment s, long i) {
            return s.get(layout, i * stride + offset);
        }

        void set(MemorySegment s, int value) {
            s.set(layout, offset, value);
        }

        void setElement(MemorySegment s, long i, int value) {
            s.set(layout, i * stride + offset, value);
        }
    }

    /** A {@code long} field. */
    record OfLong(ValueLayout.OfLong layout, long offset, long stride) implements StructField {
        long get(MemorySegment s) {
            return s.get(layout, offset);
        }

        long get(MemorySegment s, long base) {
            return s.get(layout, base + offset);
        }

        long getElement(MemorySegment s, long i) {
            return s.get(layout, i * stride + offset);
        }

        void set(MemorySegment s, long value) {
            s.set(layout, offset, value);
        }

        void setElement(MemorySegment s, long i, long value) {
            s.set(layout, i * stride + offset, value);
        }
    }

    /** A {@code short} field. */
    record OfShort(ValueLayout.OfShort layout, long offset, long stride) implements StructField {
        short get(MemorySegment s) {
            return s.get(layout, offset);
        }

        short get(MemorySegment s, long base) {
            return s.get(layout, base + offset);
        }

        void set(MemorySegment s, short value) {
            s.set(layout, offset, value);
        }
    }

    /** A pointer field. */
    record OfAddress(AddressLayout layout, long offset, long stride) implements StructField {
        MemorySegment get(MemorySegment s) {
            return s.get(layout, offset);
        }

        void set(MemorySegment s, MemorySegment value) {
            s.set(layout, offset, value);
        }

        void setElement(MemorySegment s, long i, MemorySegment value) {
            s.set(layout, i * stride + offset, value);
        }
    }
}

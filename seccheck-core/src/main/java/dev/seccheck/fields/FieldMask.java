package dev.seccheck.fields;

/**
 * FieldMask is a set of up to 64 field ids (optional or context fields), stored in one
 * {@code long} so that testing a field is a shift and an AND.
 */
public record FieldMask(long bits) {

    /** The mask with no field. */
    public static final FieldMask EMPTY = new FieldMask(0);

    /** Largest field id a mask can hold. */
    public static final int MAX_FIELD_ID = 63;

    /** Returns the mask holding exactly the given field ids. */
    public static FieldMask of(int... ids) {
        long bits = 0;
        for (int id : ids) {
            bits |= bit(id);
        }
        return new FieldMask(bits);
    }

    /** Returns whether the field with this id is in the mask. */
    public boolean contains(int id) {
        return (bits & bit(id)) != 0;
    }

    /** Returns this mask with the given field added. */
    public FieldMask with(int id) {
        return new FieldMask(bits | bit(id));
    }

    /** Returns the fields in either mask. */
    public FieldMask union(FieldMask other) {
        return new FieldMask(bits | other.bits);
    }

    /** Returns whether no field is set. */
    public boolean isEmpty() {
        return bits == 0;
    }

    /** Returns how many fields are set. */
    public int size() {
        return Long.bitCount(bits);
    }

    private static long bit(int id) {
        if (id < 0 || id > MAX_FIELD_ID) {
            throw new IllegalArgumentException("field id " + id + " out of range 0.." + MAX_FIELD_ID);
        }
        return 1L << id;
    }
}

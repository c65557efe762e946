package dev.seccheck.fields;

/** FieldDesc names a field a point offers: its id within its kind and its configuration name. */
public record FieldDesc(int id, String name) {
    public FieldDesc {
        if (id < 0 || id > FieldMask.MAX_FIELD_ID) {
            throw new IllegalArgumentException("field id " + id + " out of range");
        }
    }
}

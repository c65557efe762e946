package dev.seccheck.fields;

/**
 * FieldSet is what a point should collect: its optional ("local") fields and the context
 * fields describing the task that fired it.
 */
public record FieldSet(FieldMask local, FieldMask context) {

    /** The set with no optional and no context field. */
    public static final FieldSet EMPTY = new FieldSet(FieldMask.EMPTY, FieldMask.EMPTY);

    /** Returns the fields in either set. */
    public FieldSet union(FieldSet other) {
        return new FieldSet(local.union(other.local), context.union(other.context));
    }

    /** Returns whether the optional field with this id is requested. */
    public boolean hasLocal(int id) {
        return local.contains(id);
    }

    /** Returns whether this context field is requested. */
    public boolean hasContext(ContextField field) {
        return context.contains(field.id());
    }
}

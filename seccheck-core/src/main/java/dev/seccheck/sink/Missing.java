package dev.seccheck.sink;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Missing is the set of a point's fields that seccheck could not obtain, each with why (memory
 * not readable, a path longer than PATH_MAX, an fd it cannot resolve): the field is then absent
 * from the message, and a sink that decides on it (the policy sink) must not read that absence
 * as a value. Immutable; {@link #NONE} is shared, so a point with nothing missing costs nothing.
 *
 * @param fields the missing fields in the order they were found, each named as in the message
 *     (e.g. {@code pathname}, {@code fd_path}, {@code address})
 */
public record Missing(List<Field> fields) {

    /** The empty set: every field a point's message needs was obtained. */
    public static final Missing NONE = new Missing(List.of());

    /** Field is one missing field: its name in the message and why it could not be obtained. */
    public record Field(String name, String reason) {
        @Override
        public String toString() {
            return name + " (" + reason + ")";
        }
    }

    /** Copies {@code fields}, so the set cannot change once made. */
    public Missing {
        fields = List.copyOf(fields);
    }

    /** Returns whether nothing is missing. */
    public boolean isEmpty() {
        return fields.isEmpty();
    }

    /** Returns the field named {@code name} when it is missing. */
    public Optional<Field> get(String name) {
        for (Field f : fields) {
            if (f.name().equals(name)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** Returns whether the field named {@code name} is missing. */
    public boolean has(String name) {
        return get(name).isPresent();
    }

    /** Returns this set with {@code name} added (a field already missing keeps its first reason). */
    public Missing with(String name, String reason) {
        if (has(name)) {
            return this;
        }
        List<Field> more = new ArrayList<>(fields);
        more.add(new Field(name, reason));
        return new Missing(more);
    }

    /** Returns the fields as {@code pathname (EFAULT), fd_path (fd 7 unknown)}. */
    @Override
    public String toString() {
        return String.join(", ", fields.stream().map(Field::toString).toList());
    }
}

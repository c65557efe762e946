package dev.seccheck.points;

import dev.seccheck.fields.FieldDesc;
import java.util.List;
import java.util.Optional;

/**
 * PointDesc describes a point: its identity and the optional and context fields it offers.
 */
public record PointDesc(Point point, List<FieldDesc> optionalFields, List<FieldDesc> contextFields) {

    public PointDesc {
        optionalFields = List.copyOf(optionalFields);
        contextFields = List.copyOf(contextFields);
    }

    /** Returns the point's name. */
    public String name() {
        return point.name();
    }

    /** Returns the optional field with this name, if the point offers it. */
    public Optional<FieldDesc> optionalField(String name) {
        return find(optionalFields, name);
    }

    /** Returns the context field with this name, if the point offers it. */
    public Optional<FieldDesc> contextField(String name) {
        return find(contextFields, name);
    }

    private static Optional<FieldDesc> find(List<FieldDesc> fields, String name) {
        for (FieldDesc f : fields) {
            if (f.name().equals(name)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}

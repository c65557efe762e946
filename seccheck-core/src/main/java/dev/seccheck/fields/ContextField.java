package dev.seccheck.fields;

import java.util.Optional;

/**
 * ContextField is one of the eleven fields describing the task that fired a point, with
 * gVisor's id and name. They are stored in {@code gvisor.common.ContextData}.
 */
public enum ContextField {
    CONTAINER_ID(0, "container_id"),
    CREDENTIALS(1, "credentials"),
    CWD(2, "cwd"),
    PROCESS_NAME(3, "process_name"),
    GROUP_ID(4, "group_id"),
    THREAD_GROUP_START_TIME(5, "thread_group_start_time"),
    THREAD_ID(6, "thread_id"),
    TASK_START_TIME(7, "task_start_time"),
    TIME(8, "time"),
    PARENT_THREAD_GROUP_ID(9, "parent_thread_group_id"),
    IS_EXEC_SESSION(10, "is_exec_session");

    private static final ContextField[] BY_ID = values();

    private final int id;
    private final String fieldName;

    ContextField(int id, String fieldName) {
        this.id = id;
        this.fieldName = fieldName;
    }

    /** Returns gVisor's numeric id of this field. */
    public int id() {
        return id;
    }

    /** Returns gVisor's configuration name of this field, e.g. {@code group_id}. */
    public String fieldName() {
        return fieldName;
    }

    /** Returns the field as a {@link FieldDesc}. */
    public FieldDesc desc() {
        return new FieldDesc(id, fieldName);
    }

    /** Returns the field with this configuration name. */
    public static Optional<ContextField> byName(String name) {
        for (ContextField f : BY_ID) {
            if (f.fieldName.equals(name)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** Returns the field with this id. */
    public static ContextField byId(int id) {
        return BY_ID[id];
    }

    /** Returns a mask of every context field. */
    public static FieldMask all() {
        return new FieldMask((1L << BY_ID.length) - 1);
    }
}

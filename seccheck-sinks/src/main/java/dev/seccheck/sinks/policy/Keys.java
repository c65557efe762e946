package dev.seccheck.sinks.policy;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor.JavaType;
import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.fields.OptionalFields;
import dev.seccheck.proto.common.ContextData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Keys resolves the key names rules use against the message a point sends and the fields its
 * session collects, so that a rule that could never see its value is an error at creation.
 */
final class Keys {
    private Keys() {}

    private record ContextKey(ContextField field, Key.Kind kind, Function<ContextData, Object> getter) {}

    private static final Map<String, ContextKey> CONTEXT = Map.ofEntries(
            Map.entry("process_name", new ContextKey(ContextField.PROCESS_NAME, Key.Kind.STRING, ContextData::getProcessName)),
            Map.entry("container_id", new ContextKey(ContextField.CONTAINER_ID, Key.Kind.STRING, ContextData::getContainerId)),
            Map.entry("cwd", new ContextKey(ContextField.CWD, Key.Kind.STRING, ContextData::getCwd)),
            Map.entry("thread_id", new ContextKey(ContextField.THREAD_ID, Key.Kind.NUMBER, ContextData::getThreadId)),
            Map.entry("thread_group_id", new ContextKey(ContextField.GROUP_ID, Key.Kind.NUMBER, ContextData::getThreadGroupId)),
            Map.entry("parent_thread_group_id", new ContextKey(ContextField.PARENT_THREAD_GROUP_ID, Key.Kind.NUMBER,
                    ContextData::getParentThreadGroupId)),
            Map.entry("uid", new ContextKey(ContextField.CREDENTIALS, Key.Kind.NUMBER, c -> c.getCredentials().getEffectiveUid())),
            Map.entry("gid", new ContextKey(ContextField.CREDENTIALS, Key.Kind.NUMBER, c -> c.getCredentials().getEffectiveGid())),
            Map.entry("real_uid", new ContextKey(ContextField.CREDENTIALS, Key.Kind.NUMBER, c -> c.getCredentials().getRealUid())),
            Map.entry("real_gid", new ContextKey(ContextField.CREDENTIALS, Key.Kind.NUMBER, c -> c.getCredentials().getRealGid())),
            Map.entry("is_exec_session", new ContextKey(ContextField.IS_EXEC_SESSION, Key.Kind.NUMBER,
                    ContextData::getIsExecSession)));

    private static final List<String> ADDRESS_KEYS = List.of("family", "ip", "port", "unix_path");

    /**
     * Returns the key {@code name} for messages of type {@code msg} collected with {@code fields}.
     *
     * @throws IllegalArgumentException saying why the key cannot apply
     */
    static Key resolve(String name, Descriptor msg, FieldSet fields, boolean syscallPoint) {
        FieldDescriptor ctx = msg.findFieldByName("context_data");
        if (ADDRESS_KEYS.contains(name)) {
            FieldDescriptor address = msg.findFieldByName("address");
            if (address == null) {
                throw new IllegalArgumentException("\"" + name + "\" needs a socket address, and " + msg.getName()
                        + " messages carry none");
            }
            Key.Kind kind = switch (name) {
                case "ip" -> Key.Kind.IP;
                case "unix_path" -> Key.Kind.STRING;
                default -> Key.Kind.NUMBER;
            };
            return new Key.Address(name, kind, address);
        }
        if (name.equals("resolved_path")) {
            FieldDescriptor pathname = msg.findFieldByName("pathname");
            if (pathname == null) {
                throw new IllegalArgumentException("\"resolved_path\" needs a pathname, and " + msg.getName()
                        + " messages carry none");
            }
            FieldDescriptor fdPath = msg.findFieldByName("fd_path");
            boolean hasFdPath = fdPath != null && syscallPoint && fields.hasLocal(OptionalFields.SYSCALL_FD_PATH.id());
            boolean hasCwd = fields.hasContext(ContextField.CWD);
            if (!hasFdPath && !hasCwd) {
                throw new IllegalArgumentException("\"resolved_path\" needs the optional field \"fd_path\" or the "
                        + "context field \"cwd\" on this point, to resolve relative paths");
            }
            return new Key.ResolvedPath(pathname, hasFdPath ? fdPath : null, hasCwd ? ctx : null);
        }
        FieldDescriptor f = msg.findFieldByName(name);
        if (f != null && !name.equals("context_data")) {
            return protoField(name, f, fields, syscallPoint, msg);
        }
        ContextKey c = CONTEXT.get(name);
        if (c != null) {
            if (ctx == null) {
                throw new IllegalArgumentException(msg.getName() + " messages carry no context data");
            }
            if (!fields.hasContext(c.field())) {
                throw new IllegalArgumentException("\"" + name + "\" needs the context field \""
                        + c.field().fieldName() + "\" on this point, and the session does not collect it");
            }
            return new Key.Context(name, c.kind(), ctx, c.getter());
        }
        throw new IllegalArgumentException("unknown key \"" + name + "\" for " + msg.getName() + " messages (keys: "
                + String.join(", ", keyNames(msg)) + ")");
    }

    private static Key protoField(String name, FieldDescriptor f, FieldSet fields, boolean syscallPoint, Descriptor msg) {
        if (syscallPoint && name.equals("fd_path") && !fields.hasLocal(OptionalFields.SYSCALL_FD_PATH.id())) {
            throw new IllegalArgumentException("\"fd_path\" is an optional field the session does not collect on this point");
        }
        if (syscallPoint && name.equals("envv") && !fields.hasLocal(OptionalFields.SYSCALL_ENVV.id())) {
            throw new IllegalArgumentException("\"envv\" is an optional field the session does not collect on this point");
        }
        JavaType t = f.getJavaType();
        if (f.isRepeated()) {
            if (t != JavaType.STRING) {
                throw new IllegalArgumentException("\"" + name + "\" cannot be matched (a list of " + t + ")");
            }
            return new Key.Field(name, f, Key.Kind.STRING);
        }
        return switch (t) {
            case STRING -> new Key.Field(name, f, Key.Kind.STRING);
            case INT, LONG, BOOLEAN, ENUM -> new Key.Field(name, f, Key.Kind.NUMBER);
            default -> throw new IllegalArgumentException("\"" + name + "\" of " + msg.getName()
                    + " cannot be matched (" + t.name().toLowerCase() + "); keys: " + String.join(", ", keyNames(msg)));
        };
    }

    /** Returns every key name a rule may use for this message type. */
    static List<String> keyNames(Descriptor msg) {
        List<String> names = new ArrayList<>();
        for (FieldDescriptor f : msg.getFields()) {
            JavaType t = f.getJavaType();
            boolean matchable = f.isRepeated() ? t == JavaType.STRING
                    : t == JavaType.STRING || t == JavaType.INT || t == JavaType.LONG || t == JavaType.BOOLEAN || t == JavaType.ENUM;
            if (matchable) {
                names.add(f.getName());
            }
        }
        if (msg.findFieldByName("address") != null) {
            names.addAll(ADDRESS_KEYS);
        }
        if (msg.findFieldByName("pathname") != null) {
            names.add("resolved_path");
        }
        if (msg.findFieldByName("context_data") != null) {
            CONTEXT.keySet().stream().sorted().forEach(names::add);
        }
        return names;
    }
}

package dev.seccheck.format;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.syscall.Exit;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * MessageParts reads the two parts every formatter asks of any point's message, its
 * {@code context_data} and its {@code exit}, through field descriptors looked up once per message
 * type. {@code Descriptor.findFieldByName} builds the field's full name as a new string on each
 * call: asked several times per line, it was most of what the text sink allocated.
 */
public final class MessageParts {
    private MessageParts() {}

    private static final ConcurrentHashMap<Descriptor, Optional<FieldDescriptor>> CONTEXT = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Descriptor, Optional<FieldDescriptor>> EXIT = new ConcurrentHashMap<>();

    /** Returns the message's {@code context_data}, or null when it has none (the type has no such field, or it is unset). */
    public static ContextData context(Message msg) {
        return (ContextData) part(CONTEXT, "context_data", msg);
    }

    /** Returns the message's {@code exit}, or null when it has none. */
    public static Exit exit(Message msg) {
        return (Exit) part(EXIT, "exit", msg);
    }

    private static Object part(ConcurrentHashMap<Descriptor, Optional<FieldDescriptor>> cache, String name, Message msg) {
        Descriptor type = msg.getDescriptorForType();
        Optional<FieldDescriptor> f = cache.get(type);
        if (f == null) {
            f = cache.computeIfAbsent(type, t -> Optional.ofNullable(t.findFieldByName(name)));
        }
        return f.isPresent() && msg.hasField(f.get()) ? msg.getField(f.get()) : null;
    }
}

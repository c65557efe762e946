package dev.seccheck.format;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.sentry.ExitNotifyParentInfo;
import dev.seccheck.proto.sentry.TaskExit;
import dev.seccheck.proto.syscall.Accept;
import dev.seccheck.proto.syscall.Bind;
import dev.seccheck.proto.syscall.Chdir;
import dev.seccheck.proto.syscall.Chroot;
import dev.seccheck.proto.syscall.Close;
import dev.seccheck.proto.syscall.Connect;
import dev.seccheck.proto.syscall.Execve;
import dev.seccheck.proto.syscall.Exit;
import dev.seccheck.proto.syscall.Listen;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.proto.syscall.Ptrace;
import dev.seccheck.proto.syscall.Read;
import dev.seccheck.proto.syscall.Setid;
import dev.seccheck.proto.syscall.Setresid;
import dev.seccheck.proto.syscall.Socket;
import dev.seccheck.proto.syscall.Syscall;
import dev.seccheck.proto.syscall.Write;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * MessageParts reads the two parts every formatter asks of any point's message, its
 * {@code context_data} and its {@code exit}. The messages of the default session's points (and a
 * few other common ones) are read through their own accessors: protobuf's reflection
 * ({@code hasField}, {@code getField}) goes through a field accessor table and
 * {@code Method.invoke}, and the text sink asked it twice per line on the tracer thread. Any
 * other type is read through field descriptors looked up once per message type
 * ({@code Descriptor.findFieldByName} builds the field's full name as a new string on each call).
 */
public final class MessageParts {
    private MessageParts() {}

    private static final ConcurrentHashMap<Descriptor, Optional<FieldDescriptor>> CONTEXT = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Descriptor, Optional<FieldDescriptor>> EXIT = new ConcurrentHashMap<>();

    /** Returns the message's {@code context_data}, or null when it has none (the type has no such field, or it is unset). */
    public static ContextData context(Message msg) {
        return switch (msg) {
            case Open m -> m.hasContextData() ? m.getContextData() : null;
            case Execve m -> m.hasContextData() ? m.getContextData() : null;
            case ExecveInfo m -> m.hasContextData() ? m.getContextData() : null;
            case CloneInfo m -> m.hasContextData() ? m.getContextData() : null;
            case TaskExit m -> m.hasContextData() ? m.getContextData() : null;
            case ExitNotifyParentInfo m -> m.hasContextData() ? m.getContextData() : null;
            case Start m -> m.hasContextData() ? m.getContextData() : null;
            case Connect m -> m.hasContextData() ? m.getContextData() : null;
            case Bind m -> m.hasContextData() ? m.getContextData() : null;
            case Accept m -> m.hasContextData() ? m.getContextData() : null;
            case Listen m -> m.hasContextData() ? m.getContextData() : null;
            case Socket m -> m.hasContextData() ? m.getContextData() : null;
            case Chdir m -> m.hasContextData() ? m.getContextData() : null;
            case Chroot m -> m.hasContextData() ? m.getContextData() : null;
            case Setid m -> m.hasContextData() ? m.getContextData() : null;
            case Setresid m -> m.hasContextData() ? m.getContextData() : null;
            case Ptrace m -> m.hasContextData() ? m.getContextData() : null;
            case Close m -> m.hasContextData() ? m.getContextData() : null;
            case Read m -> m.hasContextData() ? m.getContextData() : null;
            case Write m -> m.hasContextData() ? m.getContextData() : null;
            case Syscall m -> m.hasContextData() ? m.getContextData() : null;
            default -> contextByDescriptor(msg);
        };
    }

    /** Returns the message's {@code exit}, or null when it has none. */
    public static Exit exit(Message msg) {
        return switch (msg) {
            case Open m -> m.hasExit() ? m.getExit() : null;
            case Execve m -> m.hasExit() ? m.getExit() : null;
            case Connect m -> m.hasExit() ? m.getExit() : null;
            case Bind m -> m.hasExit() ? m.getExit() : null;
            case Accept m -> m.hasExit() ? m.getExit() : null;
            case Listen m -> m.hasExit() ? m.getExit() : null;
            case Socket m -> m.hasExit() ? m.getExit() : null;
            case Chdir m -> m.hasExit() ? m.getExit() : null;
            case Chroot m -> m.hasExit() ? m.getExit() : null;
            case Setid m -> m.hasExit() ? m.getExit() : null;
            case Setresid m -> m.hasExit() ? m.getExit() : null;
            case Ptrace m -> m.hasExit() ? m.getExit() : null;
            case Close m -> m.hasExit() ? m.getExit() : null;
            case Read m -> m.hasExit() ? m.getExit() : null;
            case Write m -> m.hasExit() ? m.getExit() : null;
            case Syscall m -> m.hasExit() ? m.getExit() : null;
            default -> exitByDescriptor(msg);
        };
    }

    /** Returns {@link #context} read through the message's descriptor, as for any type: the reference the accessors are tested against. */
    static ContextData contextByDescriptor(Message msg) {
        return (ContextData) part(CONTEXT, "context_data", msg);
    }

    /** Returns {@link #exit} read through the message's descriptor, as for any type. */
    static Exit exitByDescriptor(Message msg) {
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

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
        Object c = byAccessors(msg, false);
        return c == NO_ACCESSORS ? contextByDescriptor(msg) : (ContextData) c;
    }

    /** Returns the message's {@code exit}, or null when it has none. */
    public static Exit exit(Message msg) {
        Object x = byAccessors(msg, true);
        return x == NO_ACCESSORS ? exitByDescriptor(msg) : (Exit) x;
    }

    /** What {@link #byAccessors} returns for a type it does not read itself. */
    private static final Object NO_ACCESSORS = new Object();

    /** The {@code exit} (or else {@code context_data}) of a common message type, null when unset; {@link #NO_ACCESSORS} for other types. */
    private static Object byAccessors(Message msg, boolean exit) {
        return switch (msg) {
            case Open m -> exit ? present(m.hasExit(), m.getExit()) : present(m.hasContextData(), m.getContextData());
            case Execve m -> exit ? present(m.hasExit(), m.getExit()) : present(m.hasContextData(), m.getContextData());
            case ExecveInfo m -> exit ? null : present(m.hasContextData(), m.getContextData());
            case CloneInfo m -> exit ? null : present(m.hasContextData(), m.getContextData());
            case TaskExit m -> exit ? null : present(m.hasContextData(), m.getContextData());
            case ExitNotifyParentInfo m -> exit ? null : present(m.hasContextData(), m.getContextData());
            case Start m -> exit ? null : present(m.hasContextData(), m.getContextData());
            case Connect m -> exit ? present(m.hasExit(), m.getExit()) : present(m.hasContextData(), m.getContextData());
            case Bind m -> exit ? present(m.hasExit(), m.getExit()) : present(m.hasContextData(), m.getContextData());
            case Accept m -> exit ? present(m.hasExit(), m.getExit()) : present(m.hasContextData(), m.getContextData());
            case Listen m -> exit ? present(m.hasExit(), m.getExit()) : present(m.hasContextData(), m.getContextData());
            case Socket m -> exit ? present(m.hasExit(), m.getExit()) : present(m.hasContextData(), m.getContextData());
            case Chdir m -> exit ? present(m.hasExit(), m.getExit()) : present(m.hasContextData(), m.getContextData());
            case Chroot m -> exit ? present(m.hasExit(), m.getExit()) : present(m.hasContextData(), m.getContextData());
            case Setid m -> exit ? present(m.hasExit(), m.getExit()) : present(m.hasContextData(), m.getContextData());
            case Setresid m -> exit ? present(m.hasExit(), m.getExit()) : present(m.hasContextData(), m.getContextData());
            case Ptrace m -> exit ? present(m.hasExit(), m.getExit()) : present(m.hasContextData(), m.getContextData());
            case Close m -> exit ? present(m.hasExit(), m.getExit()) : present(m.hasContextData(), m.getContextData());
            case Read m -> exit ? present(m.hasExit(), m.getExit()) : present(m.hasContextData(), m.getContextData());
            case Write m -> exit ? present(m.hasExit(), m.getExit()) : present(m.hasContextData(), m.getContextData());
            case Syscall m -> exit ? present(m.hasExit(), m.getExit()) : present(m.hasContextData(), m.getContextData());
            default -> NO_ACCESSORS;
        };
    }

    private static Object present(boolean has, Object value) {
        return has ? value : null;
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

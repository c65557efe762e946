package dev.seccheck.format;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.seccheck.abi.Errno;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.Credentials;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.sentry.ExitNotifyParentInfo;
import dev.seccheck.proto.sentry.TaskExit;
import dev.seccheck.proto.syscall.Exit;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * MessageText renders seccheck messages as one human-readable line: the task's context first,
 * then the point, then the message's non-default fields in field-number order
 * ({@code pathname="/etc/hosts" flags=0x80000}), and a syscall's result last.
 */
public final class MessageText {
    private MessageText() {}

    /**
     * The context's time as a time of day, made when a message first carries one: the local time
     * zone loads the JDK's zone database, a start-up cost for every run whose points do not
     * collect the time (the default session's do not).
     */
    private static final class TimeOfDay {
        static final DateTimeFormatter FORMAT =
                DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS").withZone(ZoneId.systemDefault());
    }

    private static final long AT_FDCWD = -100;
    private static final int MAX_BYTES = 64;

    /** Names of fields shown in hex because they hold flags or masks. */
    private static final List<String> HEX_FIELDS = List.of("flags", "mode", "mask", "sigset", "prot", "binary_mode");

    /**
     * Formats one message.
     *
     * @param marker {@code E} for enter, {@code X} for exit, or any short tag
     * @param what the point or message name to show, e.g. {@code openat}
     */
    public static String line(String marker, String what, Message msg) {
        return line(marker, what, msg, Escape.DEFAULT_LIMIT);
    }

    /**
     * Formats one message with strings cut after {@code limit} characters (0: never cut); every
     * string is escaped (see {@link Escape}) so the line stays one line whatever the program sent.
     */
    public static String line(String marker, String what, Message msg, int limit) {
        StringBuilder sb = new StringBuilder(160);
        ContextData ctx = MessageParts.context(msg);
        if (ctx != null) {
            context(sb, ctx, limit);
        }
        sb.append(marker).append(' ').append(what);
        return fields(sb, msg, limit).toString();
    }

    /**
     * Appends {@code msg}'s fields as {@link #line} shows them after the point's name (each as
     * {@code " name=value"}, a syscall's result last as {@code " = 3"}), leaving out its context;
     * returns {@code sb}. For lines that show the context their own way, with no copy of the
     * message made to drop it.
     */
    public static StringBuilder fields(StringBuilder sb, Message msg, int limit) {
        return fields(sb, msg, limit, true);
    }

    /**
     * {@link #fields(StringBuilder, Message, int)}, with sentry/execve's environment in full when
     * {@code fullEnv}, else as its count (<code>env=[/* 39 vars *&#47;]</code>), as strace shows an
     * execve's unless asked to be verbose (the environment is long, and often holds secrets).
     */
    public static StringBuilder fields(StringBuilder sb, Message msg, int limit, boolean fullEnv) {
        return switch (msg) {
            case ExecveInfo e -> LifecycleFields.execve(sb, e, limit, fullEnv);
            case CloneInfo c -> LifecycleFields.clone(sb, c);
            case TaskExit t -> LifecycleFields.exitStatus(sb, t.getExitStatus());
            case ExitNotifyParentInfo e -> LifecycleFields.exitStatus(sb, e.getExitStatus());
            case Start s -> LifecycleFields.start(sb, s, limit);
            default -> fieldsByReflection(sb, msg, limit);
        };
    }

    /**
     * Appends the fields as {@link #fields} does, for any message, through protobuf's reflection:
     * what every type without accessors of its own in {@link LifecycleFields} goes through, and the
     * reference those are tested against.
     */
    static StringBuilder fieldsByReflection(StringBuilder sb, Message msg, int limit) {
        Exit exit = null;
        for (Map.Entry<FieldDescriptor, Object> e : msg.getAllFields().entrySet()) {
            FieldDescriptor f = e.getKey();
            if (f.getName().equals("context_data") || f.getName().equals("sysno")) {
                continue;
            }
            if (f.getName().equals("exit") && e.getValue() instanceof Exit x) {
                exit = x;
                continue;
            }
            sb.append(' ').append(f.getName()).append('=');
            if (f.getName().equals("address") && e.getValue() instanceof ByteString raw) {
                var addr = SockAddr.decode(raw);
                if (addr.isPresent() && addr.get().family() != 0 && !addr.get().toString().startsWith("family")) {
                    sb.append('{').append(addr.get()).append('}');
                    continue;
                }
            }
            if ((f.getName().equals("fd") || f.getName().equals("dirfd")) && e.getValue() instanceof Number n
                    && n.longValue() == AT_FDCWD) {
                sb.append("AT_FDCWD");
                continue;
            }
            value(sb, f, e.getValue(), limit);
        }
        if (exit != null) {
            // gVisor sends a failure as result 0 with errorno set; a reader expects the kernel's -1.
            long shown = exit.getErrorno() != 0 && exit.getResult() == 0 ? -1 : exit.getResult();
            sb.append(" = ").append(shown);
            if (exit.getErrorno() != 0) {
                sb.append(' ').append(Errno.name((int) exit.getErrorno()));
            }
        }
        return sb;
    }

    /** Appends the context data present as {@code time tgid/tid name [container] uid=.. cwd=..}. */
    public static void context(StringBuilder sb, ContextData c) {
        context(sb, c, Escape.DEFAULT_LIMIT);
    }

    /** Appends the context as {@link #context(StringBuilder, ContextData)} does, names escaped and cut at {@code limit}. */
    public static void context(StringBuilder sb, ContextData c, int limit) {
        if (c.getTimeNs() != 0) {
            sb.append(TimeOfDay.FORMAT.format(Instant.ofEpochSecond(0, c.getTimeNs()))).append(' ');
        }
        if (c.getThreadGroupId() != 0 || c.getThreadId() != 0) {
            sb.append(c.getThreadGroupId());
            if (c.getThreadId() != 0 && c.getThreadId() != c.getThreadGroupId()) {
                sb.append('/').append(c.getThreadId());
            }
            sb.append(' ');
        }
        if (!c.getProcessName().isEmpty()) {
            Escape.word(sb, c.getProcessName(), limit);
            sb.append(' ');
        }
        if (!c.getContainerId().isEmpty()) {
            sb.append('[');
            Escape.word(sb, c.getContainerId(), limit);
            sb.append("] ");
        }
        if (c.hasCredentials()) {
            Credentials cr = c.getCredentials();
            sb.append("uid=").append(cr.getEffectiveUid()).append(" gid=").append(cr.getEffectiveGid()).append(' ');
        }
        if (!c.getCwd().isEmpty()) {
            sb.append("cwd=");
            Escape.word(sb, c.getCwd(), limit);
            sb.append(' ');
        }
        if (c.getIsExecSession()) {
            sb.append("(exec) ");
        }
    }

    static void value(StringBuilder sb, FieldDescriptor f, Object v, int limit) {
        if (f.isRepeated()) {
            sb.append('[');
            List<?> list = (List<?>) v;
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                scalar(sb, f, list.get(i), limit);
            }
            sb.append(']');
        } else {
            scalar(sb, f, v, limit);
        }
    }

    /** Appends a nested message as {@code {name=value name=value}}, its set fields in field-number order. */
    static void message(StringBuilder sb, Message m, int limit) {
        sb.append('{');
        boolean first = true;
        for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
            if (!first) {
                sb.append(' ');
            }
            first = false;
            sb.append(e.getKey().getName()).append('=');
            value(sb, e.getKey(), e.getValue(), limit);
        }
        sb.append('}');
    }

    private static void scalar(StringBuilder sb, FieldDescriptor f, Object v, int limit) {
        switch (v) {
            case String s -> Escape.quoted(sb, s, limit);
            case ByteString b -> Escape.hex(sb, b, MAX_BYTES);
            case Message m -> message(sb, m, limit);
            case EnumValueDescriptor ev -> sb.append(ev.getName());
            case Long l when HEX_FIELDS.contains(f.getName()) -> sb.append("0x").append(Long.toHexString(l));
            case Integer i when HEX_FIELDS.contains(f.getName()) -> sb.append("0x").append(Integer.toHexString(i));
            default -> sb.append(v);
        }
    }
}

package dev.seccheck.format;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.seccheck.abi.Errno;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.Credentials;
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

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS").withZone(ZoneId.systemDefault());
    private static final int MAX_STRING = 256;
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
        StringBuilder sb = new StringBuilder(160);
        FieldDescriptor ctxField = msg.getDescriptorForType().findFieldByName("context_data");
        if (ctxField != null && msg.hasField(ctxField)) {
            context(sb, (ContextData) msg.getField(ctxField));
        }
        sb.append(marker).append(' ').append(what);
        Exit exit = null;
        for (Map.Entry<FieldDescriptor, Object> e : msg.getAllFields().entrySet()) {
            FieldDescriptor f = e.getKey();
            if (f == ctxField || f.getName().equals("sysno")) {
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
            value(sb, f, e.getValue());
        }
        if (exit != null) {
            sb.append(" = ").append(exit.getResult());
            if (exit.getErrorno() != 0) {
                sb.append(' ').append(Errno.name((int) exit.getErrorno()));
            }
        }
        return sb.toString();
    }

    /** Appends the context data present as {@code time tgid/tid name [container] uid=.. cwd=..}. */
    public static void context(StringBuilder sb, ContextData c) {
        if (c.getTimeNs() != 0) {
            sb.append(TIME.format(Instant.ofEpochSecond(0, c.getTimeNs()))).append(' ');
        }
        if (c.getThreadGroupId() != 0 || c.getThreadId() != 0) {
            sb.append(c.getThreadGroupId());
            if (c.getThreadId() != 0 && c.getThreadId() != c.getThreadGroupId()) {
                sb.append('/').append(c.getThreadId());
            }
            sb.append(' ');
        }
        if (!c.getProcessName().isEmpty()) {
            sb.append(c.getProcessName()).append(' ');
        }
        if (!c.getContainerId().isEmpty()) {
            sb.append('[').append(c.getContainerId()).append("] ");
        }
        if (c.hasCredentials()) {
            Credentials cr = c.getCredentials();
            sb.append("uid=").append(cr.getEffectiveUid()).append(" gid=").append(cr.getEffectiveGid()).append(' ');
        }
        if (!c.getCwd().isEmpty()) {
            sb.append("cwd=").append(c.getCwd()).append(' ');
        }
        if (c.getIsExecSession()) {
            sb.append("(exec) ");
        }
    }

    private static void value(StringBuilder sb, FieldDescriptor f, Object v) {
        if (f.isRepeated()) {
            sb.append('[');
            List<?> list = (List<?>) v;
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                scalar(sb, f, list.get(i));
            }
            sb.append(']');
        } else {
            scalar(sb, f, v);
        }
    }

    private static void scalar(StringBuilder sb, FieldDescriptor f, Object v) {
        switch (v) {
            case String s -> quote(sb, s);
            case ByteString b -> hex(sb, b);
            case Message m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
                    if (!first) {
                        sb.append(' ');
                    }
                    first = false;
                    sb.append(e.getKey().getName()).append('=');
                    value(sb, e.getKey(), e.getValue());
                }
                sb.append('}');
            }
            case EnumValueDescriptor ev -> sb.append(ev.getName());
            case Long l when HEX_FIELDS.contains(f.getName()) -> sb.append("0x").append(Long.toHexString(l));
            case Integer i when HEX_FIELDS.contains(f.getName()) -> sb.append("0x").append(Integer.toHexString(i));
            default -> sb.append(v);
        }
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        int n = Math.min(s.length(), MAX_STRING);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        if (s.length() > n) {
            sb.append("...");
        }
        sb.append('"');
    }

    private static void hex(StringBuilder sb, ByteString b) {
        int n = Math.min(b.size(), MAX_BYTES);
        for (int i = 0; i < n; i++) {
            sb.append(Character.forDigit((b.byteAt(i) >> 4) & 0xf, 16)).append(Character.forDigit(b.byteAt(i) & 0xf, 16));
        }
        if (b.size() > n) {
            sb.append("...");
        }
    }
}

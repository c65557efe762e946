package dev.seccheck.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.seccheck.abi.Errno;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Exit;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * JsonLine renders one point as one JSON object on one line, for jq and log pipelines. Keys are
 * stable and documented in docs/json.md: {@code point}, {@code type}, {@code context} (the context
 * fields present, by their proto names, with {@code time} as RFC 3339 beside {@code time_ns}),
 * {@code fields} (decoded: socket addresses as objects with text, hashes and other bytes as hex,
 * flags as the number plus a {@code <field>_names} string, unsigned 64-bit values never negative),
 * and for an exit {@code result}, {@code errno}, {@code errno_name} and {@code errno_text}.
 */
public final class JsonLine {
    private JsonLine() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        JSON.getFactory().setCharacterEscapes(new TerminalSafeEscapes());
    }

    /**
     * Returns {@code node} as one line of JSON with the escapes of these lines: besides what JSON
     * must, the characters that act on a terminal (C1 controls, bidirectional overrides, line and
     * paragraph separators), so that strings a program chose print as text.
     */
    public static String line(JsonNode node) throws JsonProcessingException {
        return JSON.writeValueAsString(node);
    }

    /** Returns the object for a point named {@code point} with message {@code msg}, strings cut at {@code limit}. */
    public static String of(String point, MessageType type, Message msg, int limit) {
        return of(point, type, msg, limit, n -> {});
    }

    /**
     * Returns the object for a point as {@link #of(String, MessageType, Message, int)} does, with
     * the keys {@code extra} adds after {@code point} and {@code type} (the server's {@code client}
     * and {@code dropped}): one rendering for the text sink and the server.
     */
    public static String of(String point, MessageType type, Message msg, int limit, Consumer<ObjectNode> extra) {
        ObjectNode n = JSON.createObjectNode();
        n.put("point", point);
        n.put("type", type.name());
        extra.accept(n);
        ObjectNode fields = JSON.createObjectNode();
        Exit exit = null;
        for (Map.Entry<FieldDescriptor, Object> e : msg.getAllFields().entrySet()) {
            FieldDescriptor f = e.getKey();
            switch (f.getName()) {
                case "context_data" -> {
                    ObjectNode ctx = n.putObject("context");
                    message(ctx, (Message) e.getValue(), limit);
                    if (ctx.has("time_ns")) {
                        ctx.put("time", Instant.ofEpochSecond(0, ctx.get("time_ns").asLong()).toString());
                    }
                }
                case "exit" -> exit = (Exit) e.getValue();
                default -> field(fields, f, e.getValue(), limit, msg);
            }
        }
        FieldDescriptor status = msg.getDescriptorForType().findFieldByName("exit_status");
        FieldDescriptor flags = msg.getDescriptorForType().findFieldByName("flags");
        if (flags != null && !fields.has("flags") && names(msg, "flags", 0) != null) {
            // O_RDONLY is 0, which proto3 omits: a read-only open must still say so.
            field(fields, flags, 0, limit, msg);
        }
        if (status != null && !fields.has("exit_status")) {
            // Zero is the commonest status and proto3 omits it; an exit must still say how it ended.
            field(fields, status, 0, limit, msg);
        }
        n.set("fields", fields);
        if (exit != null) {
            int errno = StraceLine.errno(exit);
            n.put("result", errno != 0 ? -1 : exit.getResult());
            if (errno != 0) {
                n.put("errno", errno);
                n.put("errno_name", Errno.name(errno));
                n.put("errno_text", Errno.message(errno));
            }
        }
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("encoding point " + point + " as JSON: " + e.getMessage(), e);
        }
    }

    private static void message(ObjectNode out, Message m, int limit) {
        for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
            field(out, e.getKey(), e.getValue(), limit, m);
        }
    }

    private static void field(ObjectNode out, FieldDescriptor f, Object v, int limit, Message owner) {
        String name = f.getName();
        if (f.isRepeated()) {
            var arr = out.putArray(name);
            for (Object item : (List<?>) v) {
                switch (item) {
                    case String s -> arr.add(cut(s, limit));
                    case Message m -> message(arr.addObject(), m, limit);
                    default -> arr.add(String.valueOf(item));
                }
            }
            return;
        }
        switch (v) {
            case String s -> out.put(name, cut(s, limit));
            case ByteString b when name.equals("address") -> address(out.putObject(name), b);
            case ByteString b -> {
                StringBuilder sb = new StringBuilder();
                Escape.hex(sb, b, 0);
                out.put(name, sb.toString());
            }
            case Message m -> message(out.putObject(name), m, limit);
            case EnumValueDescriptor ev -> out.put(name, ev.getName());
            case Long l when f.getType() == FieldDescriptor.Type.UINT64 || f.getType() == FieldDescriptor.Type.FIXED64 ->
                    out.put(name, new BigInteger(Long.toUnsignedString(l)));
            case Integer i when f.getType() == FieldDescriptor.Type.UINT32 || f.getType() == FieldDescriptor.Type.FIXED32 ->
                    out.put(name, Integer.toUnsignedLong(i));
            case Integer i -> out.put(name, i);
            case Long l -> out.put(name, l);
            case Boolean b -> out.put(name, b);
            default -> out.put(name, String.valueOf(v));
        }
        String names = names(owner, name, v);
        if (names != null) {
            out.put(name + "_names", names);
        }
    }

    /** Returns the decoded names of a flags-like field, or null when the field is not one. */
    private static String names(Message owner, String field, Object v) {
        if (!(v instanceof Number num)) {
            return null;
        }
        long n = num.longValue();
        String msg = owner.getDescriptorForType().getName();
        return switch (field) {
            case "flags" -> switch (msg) {
                case "Open" -> Flags.open(n);
                case "Clone", "CloneInfo" -> Flags.clone(n);
                case "Mmap" -> Flags.mmap(n);
                default -> null;
            };
            case "mode" -> msg.equals("Open") ? Flags.mode(n) : null;
            case "binary_mode", "mapped_mode" -> Flags.mode(n);
            case "prot" -> Flags.prot(n);
            case "domain", "socket_family" -> Flags.family((int) n);
            case "type", "socket_type" -> msg.equals("Socket") || msg.equals("SocketPair") || msg.equals("Listen")
                    ? Flags.socketType((int) n) : null;
            case "exit_status" -> Flags.waitStatus((int) n);
            default -> null;
        };
    }

    private static void address(ObjectNode out, ByteString raw) {
        StringBuilder hex = new StringBuilder();
        Escape.hex(hex, raw, 0);
        out.put("raw", hex.toString());
        SockAddr.decode(raw).ifPresent(a -> {
            out.put("family", a.family());
            out.put("family_name", Flags.family(a.family()));
            if (a.ip() != null) {
                out.put("ip", a.family() == SockAddr.AF_INET6 ? SockAddr.ipv6Text(a.ip()) : a.ipText());
                out.put("port", a.port());
            }
            if (a.unixPath() != null) {
                out.put("path", a.unixPath());
            }
        });
    }

    private static String cut(String s, int limit) {
        if (limit <= 0 || s.codePointCount(0, s.length()) <= limit) {
            return s;
        }
        // Cut visibly, as the text lines do; JSON's own escaping keeps the value on one line.
        return s.substring(0, s.offsetByCodePoints(0, limit)) + "...(" + s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + " bytes)";
    }
}

package dev.seccheck.sinks.text;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.seccheck.format.SockAddr;
import dev.seccheck.proto.common.ContextData;
import java.util.Map;

/** Selection decides whether a point passes the text sink's {@link TextOptions.Only} lists. */
final class Selection {
    private Selection() {}

    static boolean keeps(TextOptions.Only only, Message msg) {
        FieldDescriptor cf = msg.getDescriptorForType().findFieldByName("context_data");
        ContextData c = cf != null && msg.hasField(cf) ? (ContextData) msg.getField(cf) : ContextData.getDefaultInstance();
        if (!only.pids().isEmpty() && !only.pids().contains((long) c.getThreadGroupId())) {
            return false;
        }
        if (!only.comms().isEmpty() && !only.comms().contains(c.getProcessName())) {
            return false;
        }
        return only.paths().isEmpty() || touches(msg, only);
    }

    /** Says whether a path field of the message (pathname, fd_path, binary_path, a unix address...) lies under a prefix. */
    private static boolean touches(Message msg, TextOptions.Only only) {
        for (Map.Entry<FieldDescriptor, Object> e : msg.getAllFields().entrySet()) {
            String name = e.getKey().getName();
            String path = switch (e.getValue()) {
                case String s when name.contains("path") || name.equals("execfn") -> s;
                case ByteString b when name.equals("address") -> SockAddr.decode(b).map(SockAddr::unixPath).orElse(null);
                default -> null;
            };
            if (path != null && only.paths().stream().anyMatch(path::startsWith)) {
                return true;
            }
        }
        return false;
    }
}

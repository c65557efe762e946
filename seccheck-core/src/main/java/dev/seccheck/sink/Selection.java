package dev.seccheck.sink;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.seccheck.format.SockAddr;
import dev.seccheck.points.PointReq;
import dev.seccheck.proto.common.ContextData;
import java.util.List;
import java.util.Map;

/**
 * Selection keeps only some points, like strace's {@code -p} and {@code -P}: by thread group id,
 * by process name, by a path prefix in any path field (pathname, fd_path, binary_path, a unix
 * socket address). A point lacking the context field a list needs is not kept, so a selection
 * never lets unknown tasks through. {@link #wrap} puts a selection in front of the sinks that
 * observe: such a sink never sees a point the selection drops, so a remote sink sends only the
 * kept points. A sink that decides is left whole: the selection is a display filter (strace's),
 * and the program chooses its own name, pid and paths, so a policy behind it would be switched
 * off by {@code --comm make} for every process not named make.
 *
 * @param pids thread group ids
 * @param comms process names
 * @param paths path prefixes
 */
public record Selection(List<Long> pids, List<String> comms, List<String> paths) {

    /** Keeps every point. */
    public static final Selection ALL = new Selection(List.of(), List.of(), List.of());

    public Selection {
        pids = List.copyOf(pids);
        comms = List.copyOf(comms);
        paths = List.copyOf(paths);
    }

    /** Says whether every point is kept. */
    public boolean all() {
        return pids.isEmpty() && comms.isEmpty() && paths.isEmpty();
    }

    /** Says whether the point whose message is {@code msg} is kept. */
    public boolean keeps(Message msg) {
        if (all()) {
            return true;
        }
        FieldDescriptor cf = msg.getDescriptorForType().findFieldByName("context_data");
        ContextData c = cf != null && msg.hasField(cf) ? (ContextData) msg.getField(cf) : ContextData.getDefaultInstance();
        if (!pids.isEmpty() && !pids.contains((long) c.getThreadGroupId())) {
            return false;
        }
        if (!comms.isEmpty() && !comms.contains(c.getProcessName())) {
            return false;
        }
        return paths.isEmpty() || touches(msg);
    }

    /** Says whether a path field of the message lies under one of the prefixes. */
    private boolean touches(Message msg) {
        for (Map.Entry<FieldDescriptor, Object> e : msg.getAllFields().entrySet()) {
            String name = e.getKey().getName();
            String path = switch (e.getValue()) {
                case String s when name.contains("path") || name.equals("execfn") -> s;
                case ByteString b when name.equals("address") -> SockAddr.decode(b).map(SockAddr::unixPath).orElse(null);
                default -> null;
            };
            if (path != null && paths.stream().anyMatch(path::startsWith)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Returns a descriptor making the same sinks as {@code descriptor}, each behind this selection
     * unless it {@linkplain Sink#decides decides} at one of {@code sessionPoints}, its session's
     * points: a sink that may deny or kill receives every point (the descriptor itself when the
     * selection keeps everything).
     */
    public <C> SinkDescriptor<C> wrap(SinkDescriptor<C> descriptor, List<PointReq> sessionPoints) {
        return all() ? descriptor : descriptor.mapSinks(sink -> decidesAny(sink, sessionPoints) ? sink : new SelectingSink(this, sink));
    }

    private static boolean decidesAny(Sink sink, List<PointReq> points) {
        for (PointReq p : points) {
            if (sink.decides(p.point())) {
                return true;
            }
        }
        return false;
    }
}

package dev.seccheck.testing;

import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.state.PointState;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fire fires points the way a supervisor does: the message is built by a function of the
 * requested fields and holds exactly those fields.
 */
public final class Fire {
    private Fire() {}

    /** Counts how many messages {@link #open} built, to prove messages are shared. */
    public static final AtomicInteger BUILT = new AtomicInteger();

    /** Fires a syscall point with an {@code Open} message; returns 0 or the denying errno. */
    public static int syscall(PointState state, Point point) {
        return state.fire(point, Fire::open,
                (sink, fields, msg) -> sink.syscall(point, fields, MessageType.MESSAGE_SYSCALL_OPEN, msg));
    }

    /** Fires {@code sentry/clone}; returns 0 or the denying errno. */
    public static int clone(PointState state) {
        return state.fire(Point.CLONE, f -> CloneInfo.newBuilder().setContextData(context(f)).setFlags(0x11).build(),
                (sink, fields, msg) -> sink.clone(fields, msg));
    }

    /** Builds the {@code Open} message of {@code openat("/etc/hosts")} with exactly these fields. */
    public static Open open(FieldSet fields) {
        BUILT.incrementAndGet();
        Open.Builder b = Open.newBuilder().setSysno(257).setFd(-100).setPathname("/etc/hosts").setFlags(0x80000);
        if (!fields.context().isEmpty()) {
            b.setContextData(context(fields));
        }
        if (fields.hasLocal(0)) {
            b.setFdPath("/");
        }
        return b.build();
    }

    /** Builds context data holding the requested context fields (not all eleven are modelled). */
    public static ContextData context(FieldSet fields) {
        ContextData.Builder c = ContextData.newBuilder();
        if (fields.hasContext(ContextField.TIME)) {
            c.setTimeNs(1_700_000_000_000_000_000L);
        }
        if (fields.hasContext(ContextField.THREAD_ID)) {
            c.setThreadId(43);
        }
        if (fields.hasContext(ContextField.GROUP_ID)) {
            c.setThreadGroupId(42);
        }
        if (fields.hasContext(ContextField.PROCESS_NAME)) {
            c.setProcessName("cat");
        }
        if (fields.hasContext(ContextField.CWD)) {
            c.setCwd("/home");
        }
        if (fields.hasContext(ContextField.CONTAINER_ID)) {
            c.setContainerId("c1");
        }
        return c.build();
    }
}

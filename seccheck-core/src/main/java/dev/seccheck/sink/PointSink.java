package dev.seccheck.sink;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.sentry.ExitNotifyParentInfo;
import dev.seccheck.proto.sentry.MmapInfo;
import dev.seccheck.proto.sentry.TaskExit;
import dev.seccheck.proto.syscall.Syscall;

/**
 * PointSink is a {@link Sink} that handles every kind of point in one method, {@link #point}:
 * for sinks that treat points alike (write them, match rules on them) rather than each kind
 * its own way. Its defaults forward each of {@link Sink}'s methods with the point and the
 * message type that method stands for; a PointSink does not override them.
 */
public interface PointSink extends Sink {

    /**
     * Handles one point: {@code type} says which message {@code msg} is (e.g.
     * {@code MESSAGE_SENTRY_CLONE} for {@code sentry/clone}, {@code MESSAGE_SYSCALL_RAW} for a raw
     * syscall point). The contract is {@link Sink}'s: throw to deny, do not block for long.
     */
    void point(Point point, FieldSet fields, MessageType type, Message msg) throws SecurityCheckException;

    /**
     * Handles one point some of whose fields could not be obtained ({@code missing}); the default
     * handles it as if they were simply absent.
     */
    default void point(Point point, FieldSet fields, MessageType type, Message msg, Missing missing)
            throws SecurityCheckException {
        point(point, fields, type, msg);
    }

    /**
     * MissingAware is a {@link PointSink} that must know which fields of a point could not be
     * obtained (one that decides on field values, or hands points on to one that may): it handles
     * every point in the method with {@link Missing}, a complete point arriving with
     * {@link Missing#NONE}.
     */
    interface MissingAware extends PointSink {

        @Override
        void point(Point point, FieldSet fields, MessageType type, Message msg, Missing missing)
                throws SecurityCheckException;

        @Override
        default void point(Point point, FieldSet fields, MessageType type, Message msg) throws SecurityCheckException {
            point(point, fields, type, msg, Missing.NONE);
        }
    }

    @Override
    default void containerStart(FieldSet fields, Start msg) throws SecurityCheckException {
        point(Point.CONTAINER_START, fields, MessageType.MESSAGE_CONTAINER_START, msg);
    }

    @Override
    default void clone(FieldSet fields, CloneInfo msg) throws SecurityCheckException {
        point(Point.CLONE, fields, MessageType.MESSAGE_SENTRY_CLONE, msg);
    }

    @Override
    default void execve(FieldSet fields, ExecveInfo msg) throws SecurityCheckException {
        point(Point.EXECVE, fields, MessageType.MESSAGE_SENTRY_EXEC, msg);
    }

    @Override
    default void execve(FieldSet fields, ExecveInfo msg, Missing missing) throws SecurityCheckException {
        point(Point.EXECVE, fields, MessageType.MESSAGE_SENTRY_EXEC, msg, missing);
    }

    @Override
    default void exitNotifyParent(FieldSet fields, ExitNotifyParentInfo msg) throws SecurityCheckException {
        point(Point.EXIT_NOTIFY_PARENT, fields, MessageType.MESSAGE_SENTRY_EXIT_NOTIFY_PARENT, msg);
    }

    @Override
    default void taskExit(FieldSet fields, TaskExit msg) throws SecurityCheckException {
        point(Point.TASK_EXIT, fields, MessageType.MESSAGE_SENTRY_TASK_EXIT, msg);
    }

    @Override
    default void mmap(FieldSet fields, MmapInfo msg) throws SecurityCheckException {
        point(Point.MMAP, fields, MessageType.MESSAGE_SENTRY_MMAP, msg);
    }

    @Override
    default void mmap(FieldSet fields, MmapInfo msg, Missing missing) throws SecurityCheckException {
        point(Point.MMAP, fields, MessageType.MESSAGE_SENTRY_MMAP, msg, missing);
    }

    @Override
    default void syscall(Point point, FieldSet fields, MessageType type, Message msg) throws SecurityCheckException {
        point(point, fields, type, msg);
    }

    @Override
    default void syscall(Point point, FieldSet fields, MessageType type, Message msg, Missing missing)
            throws SecurityCheckException {
        point(point, fields, type, msg, missing);
    }

    @Override
    default void rawSyscall(Point point, FieldSet fields, Syscall msg) throws SecurityCheckException {
        point(point, fields, MessageType.MESSAGE_SYSCALL_RAW, msg);
    }
}

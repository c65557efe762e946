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
 * SelectingSink hands a sink only the points its {@link Selection} keeps; the rest never reach
 * it, so it neither writes, sends nor counts them. {@link Selection#wrap} puts only sinks that
 * observe behind one; a deny such a sink still raises on a kept point (a remote sink's
 * {@code on_drop}) still fails the call.
 */
final class SelectingSink implements PointSink.MissingAware {
    private final Selection selection;
    private final Sink sink;

    SelectingSink(Selection selection, Sink sink) {
        this.selection = selection;
        this.sink = sink;
    }

    @Override
    public String name() {
        return sink.name();
    }

    /**
     * Hands a kept point on, with the fields that could not be obtained: a policy behind a
     * selection must still not take an absent value for a harmless one.
     */
    @Override
    public void point(Point point, FieldSet fields, MessageType type, Message msg, Missing missing)
            throws SecurityCheckException {
        if (!selection.keeps(msg)) {
            return;
        }
        switch (msg) {
            case Start m -> sink.containerStart(fields, m);
            case CloneInfo m -> sink.clone(fields, m);
            case ExecveInfo m -> sink.execve(fields, m);
            case ExitNotifyParentInfo m -> sink.exitNotifyParent(fields, m);
            case TaskExit m -> sink.taskExit(fields, m);
            case MmapInfo m -> sink.mmap(fields, m);
            case Syscall m when type == MessageType.MESSAGE_SYSCALL_RAW -> sink.rawSyscall(point, fields, m);
            default -> {
                if (missing.isEmpty()) {
                    sink.syscall(point, fields, type, msg);
                } else {
                    sink.syscall(point, fields, type, msg, missing);
                }
            }
        }
    }

    /** The sink decides where it says it does: a selection only keeps points from reaching it. */
    @Override
    public boolean decides(Point point) {
        return sink.decides(point);
    }

    /**
     * Asked whoever renames: the selection says which points reach the sink, but a file renamed by
     * one process is opened under its new name by any other.
     */
    @Override
    public boolean refuses(NameChange change) {
        return sink.refuses(change);
    }

    /** Asked as {@link #refuses} is: a file renamed by one process is opened under its new name by any other. */
    @Override
    public boolean refusesCovered(NameChange change) {
        return sink.refusesCovered(change);
    }

    /** Asked as {@link #refuses} is: a file renamed by one process is executed under its new name by any other. */
    @Override
    public boolean movesOutOfWhatRuns(NameChange move) {
        return sink.movesOutOfWhatRuns(move);
    }

    /** Asked as {@link #refuses} is: a file renamed by one process is executed under its new name by any other. */
    @Override
    public boolean decidesExecutedFiles() {
        return sink.decidesExecutedFiles();
    }

    /** Asked as {@link #refuses} is: a socket named by one process is reached under that name by any other. */
    @Override
    public boolean decidesSocketNames() {
        return sink.decidesSocketNames();
    }

    @Override
    public void decideSocketName(NameChange change) throws SecurityCheckException {
        sink.decideSocketName(change);
    }

    @Override
    public SinkStatus status() {
        return sink.status();
    }

    @Override
    public void stop() {
        sink.stop();
    }
}

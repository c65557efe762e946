package dev.seccheck.sinks.text;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.format.MessageText;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.sentry.ExitNotifyParentInfo;
import dev.seccheck.proto.sentry.MmapInfo;
import dev.seccheck.proto.sentry.TaskExit;
import dev.seccheck.proto.syscall.Syscall;
import dev.seccheck.sink.Sink;
import java.io.PrintStream;

/**
 * TextSink writes one human-readable line per point, to stderr or a file. It is what
 * {@code seccheck run} shows by default.
 */
public final class TextSink implements Sink {

    private final PrintStream out;
    private final boolean ownsStream;

    /** Creates a sink writing to {@code out}; {@code ownsStream} says whether stop closes it. */
    public TextSink(PrintStream out, boolean ownsStream) {
        this.out = out;
        this.ownsStream = ownsStream;
    }

    @Override
    public String name() {
        return "text";
    }

    @Override
    public void containerStart(FieldSet fields, Start msg) {
        write("*", "container/start", msg);
    }

    @Override
    public void clone(FieldSet fields, CloneInfo msg) {
        write("*", "clone", msg);
    }

    @Override
    public void execve(FieldSet fields, ExecveInfo msg) {
        write("*", "execve", msg);
    }

    @Override
    public void exitNotifyParent(FieldSet fields, ExitNotifyParentInfo msg) {
        write("*", "exit_notify_parent", msg);
    }

    @Override
    public void taskExit(FieldSet fields, TaskExit msg) {
        write("*", "task_exit", msg);
    }

    @Override
    public void mmap(FieldSet fields, MmapInfo msg) {
        write("*", "mmap", msg);
    }

    @Override
    public void syscall(Point point, FieldSet fields, MessageType type, Message msg) {
        write(point.syscallType().isExit() ? "X" : "E", syscallName(point), msg);
    }

    @Override
    public void rawSyscall(Point point, FieldSet fields, Syscall msg) {
        write(point.syscallType().isExit() ? "X" : "E", "sysno/" + point.sysno(), msg);
    }

    @Override
    public void stop() {
        out.flush();
        if (ownsStream) {
            out.close();
        }
    }

    private void write(String marker, String what, Message msg) {
        String line = MessageText.line(marker, what, msg);
        out.println(line); // PrintStream serializes concurrent println calls.
    }

    /** Returns {@code openat} for {@code syscall/openat/enter}. */
    static String syscallName(Point point) {
        String name = point.name();
        return name.substring("syscall/".length(), name.lastIndexOf('/'));
    }
}

package dev.seccheck.sinks.text;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.format.MessageText;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.sink.PointSink;
import java.io.PrintStream;

/**
 * TextSink writes one human-readable line per point, to stderr or a file. It is what
 * {@code seccheck run} shows by default.
 */
public final class TextSink implements PointSink {

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
    public void point(Point point, FieldSet fields, MessageType type, Message msg) {
        if (point.isSyscall()) {
            write(point.syscallType().isExit() ? "X" : "E", syscallName(point), msg);
        } else {
            write("*", eventName(point), msg);
        }
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

    /** Returns {@code clone} for {@code sentry/clone}; {@code container/start} keeps its group. */
    static String eventName(Point point) {
        String name = point.name();
        return name.startsWith("sentry/") ? name.substring("sentry/".length()) : name;
    }

    /** Returns {@code openat} for {@code syscall/openat/enter}, {@code sysno/39} for {@code syscall/sysno/39/exit}. */
    static String syscallName(Point point) {
        String name = point.name();
        return name.substring("syscall/".length(), name.lastIndexOf('/'));
    }
}

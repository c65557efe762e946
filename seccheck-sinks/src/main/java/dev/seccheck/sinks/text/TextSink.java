package dev.seccheck.sinks.text;

import com.google.protobuf.Message;
import dev.seccheck.abi.Sysno;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.format.JsonLine;
import dev.seccheck.format.MessageText;
import dev.seccheck.points.Point;
import dev.seccheck.points.SyscallType;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Exit;
import dev.seccheck.sink.Destination;
import dev.seccheck.sink.DropNotices;
import dev.seccheck.sink.ExitUnseen;
import dev.seccheck.sink.MadeCall;
import dev.seccheck.sink.OnDrop;
import dev.seccheck.sink.PointSink;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sink.SharedLines;
import dev.seccheck.sink.SinkStatus;
import java.io.PrintStream;
import java.util.BitSet;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * TextSink writes the points to stderr or a file, as strace-like call lines (the default), raw
 * {@code E}/{@code X} lines, or JSON lines. It is what {@code seccheck run} shows by default.
 *
 * <p>In the strace format, a syscall whose session has both its enter and exit points is written
 * as one line: the enter leaves {@code name(args} open, the exit closes it with the result. When
 * another task's line comes between, the open line ends with {@code <unfinished ...>} and the exit
 * starts {@code <... name resumed>}, as strace does; so does it when another sink writes a line
 * to the same stream, a policy alert on stderr or on the sink's file ({@link SharedLines}, whose
 * stream lock every line is written under). All writes happen under the sink's lock too, because
 * the open line is state shared by every tracing thread. On a file the open line waits in memory
 * ({@link LineOut#holds}), so the file takes whole lines only, even from two runs; a line still
 * open after a second or two is ended as unfinished ({@link OpenLineTicks}), so that a call that
 * blocks shows in the file.
 *
 * <p>A line the stream does not take (a full disk, a file too large) is a dropped point, counted in
 * {@link #status()} and so in the run's closing line, and it fails its operation when
 * {@code on_drop} says so ({@link OnDrop}): a program cannot fill the disk the trail is written
 * to and then act unrecorded.
 */
public final class TextSink implements PointSink {

    private final LineOut out;
    private final DropNotices notices;
    private final String where;
    private final LongAdder dropped = new LongAdder();
    private final boolean ownsStream;
    private final TextOptions options;
    private final BitSet joined;
    private final StraceFormat strace;
    private final PrintStream stream;
    /** Ends the open call line before another sink's line on the same stream ({@link SharedLines}). */
    private final SharedLines.Guard guard = this::endOpenLine;
    /** The check that ends a call line left open for long ({@link OpenLineTicks}), or null. */
    private final ScheduledFuture<?> ticks;
    /** The number of lines opened ({@link StraceFormat#opened}) at the last tick; guarded by this. */
    private long openedAtTick = -1;

    /** Creates a raw-format sink writing to {@code out}; {@code ownsStream} says whether stop closes it. */
    public TextSink(PrintStream out, boolean ownsStream) {
        this(out, ownsStream, new TextOptions(TextOptions.Format.RAW, TextOptions.DEFAULTS.stringLimit(),
                TextOptions.Time.NONE, false, true, TextOptions.DEFAULTS.only()), new BitSet());
    }

    /**
     * Creates a sink writing to {@code out} as {@code options} say; {@code joined} holds the ids of
     * the enter points whose exit point the session also enables (their calls are joined). A line
     * that cannot be written is counted as dropped.
     */
    public TextSink(PrintStream out, boolean ownsStream, TextOptions options, BitSet joined) {
        this(out, ownsStream, options, joined, OnDrop.COUNT, "the sink's stream");
    }

    /**
     * Creates a sink as above whose dropped lines fail their operations as {@code onDrop} says;
     * {@code where} names the stream in the run's log ({@link Destination#name}).
     */
    public TextSink(PrintStream out, boolean ownsStream, TextOptions options, BitSet joined, OnDrop onDrop, String where) {
        this.notices = new DropNotices(onDrop, "sink text writes to " + where + " again");
        this.where = where;
        // With on_drop deny or kill, an enter is in the file before its call goes on.
        this.out = new LineOut(out, onDrop != OnDrop.COUNT);
        this.stream = out;
        this.ownsStream = ownsStream;
        this.options = options;
        this.joined = joined;
        this.strace = new StraceFormat(options);
        boolean strace = options.format() == TextOptions.Format.STRACE;
        if (strace) {
            SharedLines.guard(out, guard); // another sink's line (a policy alert) ends our open one first
        }
        this.ticks = strace && this.out.holds() ? OpenLineTicks.every(this::endLongOpenLine) : null;
    }

    @Override
    public String name() {
        return "text";
    }

    /**
     * Writes the point's line. A line the stream did not take (a full disk) is a dropped point:
     * counted, and its operation failed as {@code on_drop} says.
     */
    @Override
    public void point(Point point, FieldSet fields, MessageType type, Message msg) throws SecurityCheckException {
        if (!options.only().keeps(msg)) {
            return;
        }
        boolean written = switch (options.format()) {
            case RAW -> {
                String line = point.isSyscall()
                        ? MessageText.line(point.syscallType().isExit() ? "X" : "E", syscallName(point), msg, options.stringLimit())
                        : MessageText.line("*", eventName(point), msg, options.stringLimit());
                String stamped = strace.timestamp(msg) + line;
                yield SharedLines.written(stream, guard, () -> out.line(stamped));
            }
            case JSON -> {
                String line = JsonLine.of(point.name(), type, msg, options.stringLimit(), n -> {
                    int made = madeCall(point);
                    if (made >= 0) {
                        n.put("call", Sysno.name(made)); // the call made, reported at this point's syscall
                    }
                });
                yield SharedLines.written(stream, guard, () -> out.line(line));
            }
            case STRACE -> SharedLines.written(stream, guard, () -> straceLine(point, msg));
        };
        if (written) {
            notices.delivered();
        } else {
            dropped.increment();
            notices.dropped(() -> "sink text cannot write to " + where,
                    () -> "the text sink could not write " + point.name() + " to " + where);
        }
    }

    /** Counts the points whose line did not reach the stream. */
    @Override
    public SinkStatus status() {
        long lost;
        synchronized (this) {
            lost = strace.lostEnters();
        }
        return new SinkStatus(dropped.sum() + lost);
    }

    private boolean straceLine(Point point, Message msg) {
        if (!point.isSyscall()) {
            String line = strace.event(eventName(point), msg);
            synchronized (this) {
                return strace.interrupt(out) && out.line(line);
            }
        }
        String name = callName(point);
        SyscallType t = point.syscallType();
        if (!t.isExit()) {
            // A call whose exit will not be seen (the kernel makes it as made) is shown whole now.
            if (joined.get(point.id()) && !ExitUnseen.now()) {
                synchronized (this) {
                    return strace.enter(out, name, msg);
                }
            }
            String line = strace.unjoined(name, msg);
            synchronized (this) {
                return strace.interrupt(out) && out.line(line);
            }
        }
        Exit exit = dev.seccheck.format.StraceLine.exitOf(msg);
        boolean join = joined.get(Point.syscallId(t.isRaw() ? SyscallType.RAW_ENTER : SyscallType.ENTER, point.sysno()));
        synchronized (this) {
            return strace.exit(out, name, msg, exit == null ? Exit.getDefaultInstance() : exit, join);
        }
    }

    /** Ends the open call line (the stream's lock is held: no line opens before another sink's is out). */
    private void endOpenLine() {
        synchronized (this) {
            strace.interrupt(out);
        }
    }

    /** Ends the call line open since the last tick, if it still is: the call blocks. */
    private void endLongOpenLine() {
        synchronized (stream) {
            synchronized (this) {
                long opened = strace.opened();
                if (strace.isOpen() && opened == openedAtTick) {
                    strace.interrupt(out);
                }
                openedAtTick = opened;
            }
        }
    }

    @Override
    public void stop() {
        SharedLines.unguard(stream, guard);
        if (ticks != null) {
            ticks.cancel(false);
        }
        synchronized (stream) {
            synchronized (this) {
                strace.interrupt(out);
            }
        }
        out.flush();
        if (ownsStream) {
            out.close();
        }
    }

    /** Returns {@code clone} for {@code sentry/clone}; {@code container/start} keeps its group. */
    static String eventName(Point point) {
        String name = point.name();
        return name.startsWith("sentry/") ? name.substring("sentry/".length()) : name;
    }

    /** Returns {@code openat} for {@code syscall/openat/enter}, {@code sysno/39} for {@code syscall/sysno/39/exit}. */
    /**
     * The name a syscall point's line shows: the call the program made when the point reports
     * another ({@link MadeCall}: a sendto at connect's points), else the point's syscall.
     */
    static String callName(Point point) {
        int made = madeCall(point);
        return made >= 0 ? Sysno.name(made) : syscallName(point);
    }

    /** The syscall made when {@code point}, a schematized syscall point, reports it ({@link MadeCall}); else -1. */
    static int madeCall(Point point) {
        return point.isSyscall() && !point.syscallType().isRaw() ? MadeCall.current() : -1;
    }

    static String syscallName(Point point) {
        String name = point.name();
        return name.substring("syscall/".length(), name.lastIndexOf('/'));
    }
}

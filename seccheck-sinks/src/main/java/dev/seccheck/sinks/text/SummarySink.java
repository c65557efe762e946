package dev.seccheck.sinks.text;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.format.Escape;
import dev.seccheck.format.StraceLine;
import dev.seccheck.points.Point;
import dev.seccheck.points.SyscallType;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Exit;
import dev.seccheck.sink.ExitUnseen;
import dev.seccheck.sink.PointSink;
import dev.seccheck.sink.Selection;
import dev.seccheck.sink.SinkStatus;
import dev.seccheck.sink.SharedLines;
import dev.seccheck.sink.TrailStream;
import dev.seccheck.sink.MadeCall;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SummarySink counts calls instead of writing them, like {@code strace -c}: per syscall the
 * calls, the failed calls and the time between the enter and the exit point (the stop as the
 * supervisor sees it), then the same per process; the two tables are written when the session
 * stops, at the end of the run. A call is counted at its enter point, or at its exit when the
 * session does not enable the enter. Updates happen under the sink's lock: each is a few map
 * operations, small beside the stop itself.
 *
 * <p>The tables are written in one write, whole or not at all ({@link TrailStream}). When the
 * stream does not take them (a full disk), the run's end says so on stderr, with the reason, and
 * every point the summary counted is a dropped point ({@link #status()}), named in the run's
 * closing line as the text sink's lost lines are.
 */
public final class SummarySink implements PointSink {

    private static final String NEWLINE = System.lineSeparator();

    /** Row is one line of a table: calls, errors and nanoseconds spent. */
    private static final class Row {
        long calls;
        long errors;
        long nanos;
    }

    private final PrintStream out;
    private final boolean ownsStream;
    /** The stream's name for the run's log ({@link dev.seccheck.sink.Destination#name}). */
    private final String where;
    /** The points counted; all of them are dropped when the tables are not written. */
    private long points;
    /** The points dropped: none until the tables could not be written. */
    private volatile long dropped;
    private final BitSet joined;
    private final BitSet enabled;
    private final Selection only;
    private final Map<String, Row> bySyscall = new HashMap<>();
    private final Map<String, Row> byProcess = new LinkedHashMap<>();
    private final Map<Long, Long> enteredAt = new HashMap<>();

    /**
     * Creates a summary of the points {@code only} keeps, written to {@code out} at stop;
     * {@code joined} as {@link TextSink}'s, {@code enabled} the ids of the session's points;
     * {@code where} names the stream in the run's log.
     */
    public SummarySink(PrintStream out, boolean ownsStream, BitSet joined, BitSet enabled, Selection only, String where) {
        this.only = only;
        this.where = where;
        this.out = out;
        this.ownsStream = ownsStream;
        this.joined = joined;
        this.enabled = enabled;
    }

    @Override
    public String name() {
        return "summary";
    }

    @Override
    public void point(Point point, FieldSet fields, MessageType type, Message msg) {
        if (!point.isSyscall() || !only.keeps(msg)) {
            return;
        }
        long now = System.nanoTime();
        int made = TextSink.madeCall(point);
        if (made >= 0 && (enabled.get(Point.syscallId(SyscallType.RAW_ENTER, made))
                || enabled.get(Point.syscallId(SyscallType.RAW_EXIT, made)))) {
            return; // a call reported at another's points (a sendto at connect's), counted at its own
        }
        if (made >= 0 && MadeCall.further()) {
            return; // a sendmmsg's further message: the call was counted at its first
        }
        String name = StraceFormat.display(TextSink.callName(point));
        SyscallType t = point.syscallType();
        long tid = StraceFormat.tid(msg);
        synchronized (this) {
            points++;
            if (!t.isExit()) {
                count(name, msg);
                if (!ExitUnseen.now()) {
                    enteredAt.put(tid, now); // else no exit comes to take it
                }
                return;
            }
            boolean counted = joined.get(Point.syscallId(t.isRaw() ? SyscallType.RAW_ENTER : SyscallType.ENTER, point.sysno()));
            if (!counted) {
                count(name, msg);
            }
            Exit exit = StraceLine.exitOf(msg);
            boolean failed = exit != null && StraceLine.errno(exit) != 0;
            Long start = counted ? enteredAt.remove(tid) : null;
            long spent = start == null ? 0 : now - start;
            // computeIfAbsent: an execve's exit carries the new name, which may have no row yet.
            for (Row r : List.of(bySyscall.computeIfAbsent(name, k -> new Row()),
                    byProcess.computeIfAbsent(process(msg), k -> new Row()))) {
                r.errors += failed ? 1 : 0;
                r.nanos += spent;
            }
        }
    }

    private void count(String name, Message msg) {
        bySyscall.computeIfAbsent(name, k -> new Row()).calls++;
        byProcess.computeIfAbsent(process(msg), k -> new Row()).calls++;
    }

    /** Returns {@code pid comm} from the context fields present, {@code ?} for what is missing. */
    private static String process(Message msg) {
        ContextData c = StraceFormat.context(msg);
        if (c == null) {
            return "?";
        }
        StringBuilder sb = new StringBuilder().append(c.getThreadGroupId() != 0 ? Long.toString(c.getThreadGroupId()) : "?");
        if (!c.getProcessName().isEmpty()) {
            Escape.word(sb.append(' '), c.getProcessName(), Escape.DEFAULT_LIMIT);
        }
        return sb.toString();
    }

    @Override
    public void stop() {
        boolean written;
        synchronized (this) {
            StringBuilder text = new StringBuilder(4096);
            table(text, "syscall", bySyscall, true);
            text.append(NEWLINE);
            table(text, "process", byProcess, false);
            // After any call line another sink left open on the same stream is ended.
            written = SharedLines.written(out, null, () -> {
                out.print(text);
                out.flush();
                return TrailStream.wrote(out);
            });
            if (!written) {
                dropped = points;
                System.err.println("seccheck: the summary could not be written to " + where + ": "
                        + TrailStream.failure(out));
            }
        }
        if (ownsStream) {
            out.close();
        }
    }

    /** Counts every point of the summary as dropped when its tables were not written. */
    @Override
    public SinkStatus status() {
        return new SinkStatus(dropped);
    }

    /** Appends one table in strace -c's layout, most time first (then most calls, then name). */
    private static void table(StringBuilder out, String what, Map<String, Row> rows, boolean sort) {
        Row total = new Row();
        for (Row r : rows.values()) {
            total.calls += r.calls;
            total.errors += r.errors;
            total.nanos += r.nanos;
        }
        long totalNanos = total.nanos;
        List<Map.Entry<String, Row>> entries = new ArrayList<>(rows.entrySet());
        if (sort) {
            entries.sort(Comparator.<Map.Entry<String, Row>>comparingLong(e -> -e.getValue().nanos)
                    .thenComparingLong(e -> -e.getValue().calls).thenComparing(Map.Entry::getKey));
        }
        String rule = "------ ----------- ----------- --------- --------- ----------------";
        out.append("% time     seconds  usecs/call     calls    errors ").append(what).append(NEWLINE);
        out.append(rule).append(NEWLINE);
        for (Map.Entry<String, Row> e : entries) {
            out.append(row(e.getValue(), totalNanos, e.getKey(), true)).append(NEWLINE);
        }
        out.append(rule).append(NEWLINE);
        out.append(row(total, totalNanos, "total", false)).append(NEWLINE);
    }

    private static String row(Row r, long totalNanos, String name, boolean perCall) {
        double pct = totalNanos == 0 ? 0 : 100.0 * r.nanos / totalNanos;
        String usecs = perCall ? Long.toString(r.calls == 0 ? 0 : r.nanos / 1000 / r.calls) : "";
        return String.format("%6.2f %11.6f %11s %9d %9s %s", pct, r.nanos / 1e9, usecs, r.calls,
                r.errors == 0 ? "" : Long.toString(r.errors), name);
    }
}

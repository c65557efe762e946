package dev.seccheck.sinks.text;

import com.google.protobuf.Message;
import dev.seccheck.abi.Sysno;
import dev.seccheck.format.Escape;
import dev.seccheck.format.Flags;
import dev.seccheck.format.MessageParts;
import dev.seccheck.format.MessageText;
import dev.seccheck.format.StraceLine;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.sentry.ExitNotifyParentInfo;
import dev.seccheck.proto.sentry.TaskExit;
import dev.seccheck.proto.syscall.Exit;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;

/**
 * StraceFormat builds the strace-like lines of the text sink and keeps the one piece of state
 * joining needs: the line left open by an enter, and when each task entered its call (for
 * {@code -T}). Callers hold the sink's lock around {@link #enter}, {@link #exit} and
 * {@link #interrupt}; the line-building methods touch no state.
 */
final class StraceFormat {
    /**
     * The time of day of {@code -t} and {@code -tt}, made when a line first needs it: the local
     * time zone they read loads the JDK's zone database (about 25 ms of a start, BENCHMARKS.md
     * "Session 43: start-up"), which a run without {@code -t} must not pay.
     */
    private static final class TimeOfDay {
        static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
        static final DateTimeFormatter MICROS = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS").withZone(ZoneId.systemDefault());
    }

    private final TextOptions options;
    /** Whether a call line is open (no newline yet). */
    private boolean open;
    /**
     * The task whose call line is open, or -1 when the session records no id of it: a line of an
     * unknown task is open all the same, and another line ends it first ({@link #interrupt}).
     * Before, -1 also meant "no line open", so in a session collecting neither thread_id nor
     * group_id every line looked closed and the next one was glued to it.
     */
    private long openTid = -1;
    /** The name of the call whose line is open: an exit closes it only if it is that call's. */
    private String openName;
    private final Map<Long, Long> enteredAt = new HashMap<>();
    /** How many call lines were opened: a line open at two looks with the same count is the same line. */
    private long opened;
    /** The enters whose held start went with a line the stream did not take (a file: {@link LineOut#holds}). */
    private long lostEnters;

    StraceFormat(TextOptions options) {
        this.options = options;
    }

    /**
     * Ends the open call line, if any, as strace does when another line must come first. Returns
     * false when the line stays open (its end not written): the line meant to follow is not
     * written after it either, or it would join the open one.
     */
    boolean interrupt(LineOut out) {
        if (open) {
            if (!out.line(" <unfinished ...>")) {
                if (out.holds()) {
                    // The start waited in memory and went with the line: nothing stays open.
                    open = false;
                    lostEnters++;
                    return true;
                }
                openName = null; // no exit closes it now: the next line ends it
                return false;
            }
            open = false;
        }
        return true;
    }

    /** Returns how many call lines were opened so far; with {@link #isOpen}, tells a line open for long. */
    long opened() {
        return opened;
    }

    /** Returns whether a call line is open, waiting for its exit. */
    boolean isOpen() {
        return open;
    }

    /** Returns how many enters, counted as written when their start was held, went with a line the stream did not take. */
    long lostEnters() {
        return lostEnters;
    }

    /** Writes {@code prefix name(args} and leaves the line open for the exit; returns whether it reached the stream. */
    boolean enter(LineOut out, String name, Message msg) {
        if (!interrupt(out)) {
            return false;
        }
        ContextData c = context(msg);
        long tid = tid(c);
        boolean written = out.part(StraceLine.call(prefix(new StringBuilder(128), c), display(name), msg,
                options.stringLimit()));
        // A part the file did not take is not there (LineFile): the exit starts a line of its own.
        open = written;
        openTid = tid;
        openName = name;
        opened++;
        if (options.durations()) {
            enteredAt.put(tid, System.nanoTime());
        }
        return written;
    }

    /**
     * Writes the exit: closing the task's open line, resuming it, or as a whole line when the enter
     * is not in the session. Returns whether it reached the stream.
     */
    boolean exit(LineOut out, String name, Message msg, Exit exit, boolean joined) {
        ContextData c = context(msg);
        long tid = tid(c);
        String duration = duration(tid);
        // Joined only to its own task's line: with no id, whose enter the open line is cannot be told.
        if (joined && open && openTid == tid && tid != -1 && name.equals(openName)) {
            boolean written = out.line(StraceLine.result(new StringBuilder(48), display(name), exit).append(duration));
            if (written) {
                open = false;
            } else if (out.holds()) {
                open = false; // the start waited in memory and went with the line
                lostEnters++;
            } else {
                openName = null; // the call's part is still open, its end lost: it ends as unfinished
            }
            return written;
        }
        if (!interrupt(out)) {
            return false;
        }
        StringBuilder sb = prefix(new StringBuilder(160), c);
        if (joined) {
            sb.append("<... ").append(display(name)).append(" resumed>");
        } else {
            StraceLine.call(sb, display(name), msg, options.stringLimit());
        }
        return out.line(StraceLine.result(sb, display(name), exit).append(duration));
    }

    /** Returns the whole line of an enter whose exit the session does not enable: the result is unknown. */
    String unjoined(String name, Message msg) {
        return StraceLine.call(prefix(new StringBuilder(128), context(msg)), display(name), msg, options.stringLimit())
                .append(") = ?").toString();
    }

    /** Returns a lifecycle point's line: task exits as strace's {@code +++ exited with 7 +++}, others with their fields. */
    String event(String name, Message msg) {
        return switch (msg) {
            case TaskExit t -> prefix(new StringBuilder(), context(msg)) + "+++ " + Flags.waitStatus(t.getExitStatus()) + " +++";
            case ExitNotifyParentInfo e -> prefix(new StringBuilder(), context(msg)) + "--- exit_notify_parent " + Flags.waitStatus(e.getExitStatus()) + " ---";
            default -> {
                StringBuilder sb = prefix(new StringBuilder(256), context(msg)).append("--- ").append(name);
                yield MessageText.fields(sb, msg, options.stringLimit(), options.verbose()).append(" ---").toString();
            }
        };
    }

    /** Returns the timestamp prefix {@code -t}/{@code -tt} ask for, from the point's time when it has one. */
    String timestamp(Message msg) {
        return timestamp(new StringBuilder(), context(msg)).toString();
    }

    private StringBuilder timestamp(StringBuilder sb, ContextData c) {
        if (options.time() == TextOptions.Time.NONE) {
            return sb;
        }
        Instant when = c != null && c.getTimeNs() != 0 ? Instant.ofEpochSecond(0, c.getTimeNs()) : Instant.now();
        (options.time() == TextOptions.Time.SECONDS ? TimeOfDay.SECONDS : TimeOfDay.MICROS).formatTo(when, sb);
        return sb.append(' ');
    }

    private String duration(long tid) {
        if (!options.durations()) {
            return "";
        }
        Long start = enteredAt.remove(tid);
        if (start == null) {
            return " <?>";
        }
        long ns = System.nanoTime() - start;
        return String.format(" <%d.%06d>", ns / 1_000_000_000, (ns / 1000) % 1_000_000);
    }

    /** Appends {@code [time ]pid[/tid] comm } from the context fields present to {@code sb}; returns it. */
    private StringBuilder prefix(StringBuilder sb, ContextData c) {
        timestamp(sb, c);
        if (c != null) {
            if (c.getThreadGroupId() != 0 || c.getThreadId() != 0) {
                sb.append(c.getThreadGroupId() != 0 ? c.getThreadGroupId() : c.getThreadId());
                if (c.getThreadId() != 0 && c.getThreadGroupId() != 0 && c.getThreadId() != c.getThreadGroupId()) {
                    sb.append('/').append(c.getThreadId());
                }
                sb.append(' ');
            }
            if (!c.getProcessName().isEmpty()) {
                Escape.word(sb, c.getProcessName(), options.stringLimit());
                sb.append(' ');
            }
        }
        return sb;
    }

    /** Returns the task a point belongs to, or -1 when the session records neither its thread nor group id. */
    static long tid(Message msg) {
        return tid(context(msg));
    }

    private static long tid(ContextData c) {
        if (c == null) {
            return -1;
        }
        return c.getThreadId() != 0 ? c.getThreadId() : c.getThreadGroupId() != 0 ? c.getThreadGroupId() : -1;
    }

    static ContextData context(Message msg) {
        return MessageParts.context(msg);
    }

    /** Returns the name strace would print: {@code sysno/39} (a raw point) becomes {@code getpid}. */
    static String display(String name) {
        if (name.startsWith("sysno/")) {
            return Sysno.name(Integer.parseInt(name.substring("sysno/".length())));
        }
        return name;
    }
}

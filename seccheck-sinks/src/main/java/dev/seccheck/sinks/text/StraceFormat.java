package dev.seccheck.sinks.text;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.seccheck.abi.Sysno;
import dev.seccheck.format.Escape;
import dev.seccheck.format.Flags;
import dev.seccheck.format.MessageText;
import dev.seccheck.format.StraceLine;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.sentry.ExitNotifyParentInfo;
import dev.seccheck.proto.sentry.TaskExit;
import dev.seccheck.proto.syscall.Exit;
import java.io.PrintStream;
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
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter MICROS = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS").withZone(ZoneId.systemDefault());

    private final TextOptions options;
    /** The task whose call line is open (no newline yet), or -1. */
    private long openTid = -1;
    private final Map<Long, Long> enteredAt = new HashMap<>();

    StraceFormat(TextOptions options) {
        this.options = options;
    }

    /** Ends the open call line, if any, as strace does when another line must come first. */
    void interrupt(PrintStream out) {
        if (openTid != -1) {
            out.println(" <unfinished ...>");
            openTid = -1;
        }
    }

    /** Writes {@code prefix name(args} and leaves the line open for the exit. */
    void enter(PrintStream out, String name, Message msg) {
        interrupt(out);
        long tid = tid(msg);
        out.print(prefix(msg) + StraceLine.call(display(name), msg, options.stringLimit()));
        openTid = tid;
        if (options.durations()) {
            enteredAt.put(tid, System.nanoTime());
        }
    }

    /** Writes the exit: closing the task's open line, resuming it, or as a whole line when the enter is not in the session. */
    void exit(PrintStream out, String name, Message msg, Exit exit, boolean joined) {
        long tid = tid(msg);
        String end = StraceLine.result(display(name), exit) + duration(tid);
        if (joined && openTid == tid && tid != -1) {
            out.println(end);
            openTid = -1;
            return;
        }
        interrupt(out);
        if (joined) {
            out.println(prefix(msg) + "<... " + display(name) + " resumed>" + end);
        } else {
            out.println(prefix(msg) + StraceLine.call(display(name), msg, options.stringLimit()) + end);
        }
    }

    /** Returns the whole line of an enter whose exit the session does not enable: the result is unknown. */
    String unjoined(String name, Message msg) {
        return prefix(msg) + StraceLine.call(display(name), msg, options.stringLimit()) + ") = ?";
    }

    /** Returns a lifecycle point's line: task exits as strace's {@code +++ exited with 7 +++}, others with their fields. */
    String event(String name, Message msg) {
        return switch (msg) {
            case TaskExit t -> prefix(msg) + "+++ " + Flags.waitStatus(t.getExitStatus()) + " +++";
            case ExitNotifyParentInfo e -> prefix(msg) + "--- exit_notify_parent " + Flags.waitStatus(e.getExitStatus()) + " ---";
            default -> {
                StringBuilder sb = new StringBuilder(prefix(msg)).append("--- ").append(name);
                String fields = MessageText.line("", "", withoutContext(msg), options.stringLimit()).strip();
                if (!fields.isEmpty()) {
                    sb.append(' ').append(fields);
                }
                yield sb.append(" ---").toString();
            }
        };
    }

    /** Returns the timestamp prefix {@code -t}/{@code -tt} ask for, from the point's time when it has one. */
    String timestamp(Message msg) {
        if (options.time() == TextOptions.Time.NONE) {
            return "";
        }
        ContextData c = context(msg);
        Instant when = c != null && c.getTimeNs() != 0 ? Instant.ofEpochSecond(0, c.getTimeNs()) : Instant.now();
        return (options.time() == TextOptions.Time.SECONDS ? SECONDS : MICROS).format(when) + " ";
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

    /** Returns {@code [time ]pid[/tid] comm } from the context fields present. */
    private String prefix(Message msg) {
        StringBuilder sb = new StringBuilder(timestamp(msg));
        ContextData c = context(msg);
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
        return sb.toString();
    }

    /** Returns the task a point belongs to, or -1 when the session records neither its thread nor group id. */
    static long tid(Message msg) {
        ContextData c = context(msg);
        if (c == null) {
            return -1;
        }
        return c.getThreadId() != 0 ? c.getThreadId() : c.getThreadGroupId() != 0 ? c.getThreadGroupId() : -1;
    }

    static ContextData context(Message msg) {
        FieldDescriptor f = msg.getDescriptorForType().findFieldByName("context_data");
        return f != null && msg.hasField(f) ? (ContextData) msg.getField(f) : null;
    }

    private static Message withoutContext(Message msg) {
        FieldDescriptor f = msg.getDescriptorForType().findFieldByName("context_data");
        return f == null ? msg : msg.toBuilder().clearField(f).build();
    }

    /** Returns the name strace would print: {@code sysno/39} (a raw point) becomes {@code getpid}. */
    static String display(String name) {
        if (name.startsWith("sysno/")) {
            return Sysno.name(Integer.parseInt(name.substring("sysno/".length())));
        }
        return name;
    }
}

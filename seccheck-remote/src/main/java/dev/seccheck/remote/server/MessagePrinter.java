package dev.seccheck.remote.server;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.seccheck.format.JsonLine;
import dev.seccheck.format.MessageText;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.SyscallType;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Syscall;
import dev.seccheck.remote.consumer.Connection;
import dev.seccheck.remote.consumer.Event;
import dev.seccheck.sink.TrailStream;
import java.io.PrintStream;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * MessagePrinter is the monitoring server's handler: it prints one line per message to
 * {@code out} in the chosen format, and connection lifecycle, unknown and malformed packets to
 * {@code log}, so the message stream stays machine-readable. Problems that a peer can repeat at
 * will (malformed and unknown packets, refused and cut connections) go through a
 * {@link RateLimitedLog}: the first of a kind in full, then a count every 10 s.
 *
 * <p>A line {@code out} does not take (a full disk; a {@link TrailStream} tells of each line) is
 * a message lost: the first such failure is said on {@code log} with its reason, and each is
 * counted in its connection's {@code dropped=} at disconnect, beside the sender's own drops, and
 * in {@link #unwritten()}. Before, a server whose file was on a full disk wrote none of its
 * messages and said {@code dropped=0}.
 */
public final class MessagePrinter implements RateLimitedLog.Handler {
    private static final Catalog CATALOG = Catalog.standard();

    private final OutputFormat format;
    private final PrintStream out;
    private final PrintStream log;
    private final RateLimitedLog limited;
    /** {@code out}'s name in the line that says writing it failed. */
    private final String where;
    /** Whether a line was not written yet: said once. */
    private final AtomicBoolean failed = new AtomicBoolean();
    /** The lines not written, per connection id, until its disconnect. */
    private final Map<Integer, LongAdder> unwrittenBy = new ConcurrentHashMap<>();
    private final LongAdder unwritten = new LongAdder();

    /** Prints to {@code out}, named "the output" when a write to it fails. */
    public MessagePrinter(OutputFormat format, PrintStream out, PrintStream log) {
        this(format, out, "the output", log);
    }

    /** Prints to {@code out}, which {@code where} names (a file's path, stdout) when a write to it fails. */
    public MessagePrinter(OutputFormat format, PrintStream out, String where, PrintStream log) {
        this(format, out, where, log, System::nanoTime, RateLimitedLog.WINDOW_NANOS);
    }

    MessagePrinter(OutputFormat format, PrintStream out, PrintStream log, LongSupplier clock, long windowNanos) {
        this(format, out, "the output", log, clock, windowNanos);
    }

    private MessagePrinter(OutputFormat format, PrintStream out, String where, PrintStream log, LongSupplier clock,
            long windowNanos) {
        this.format = format;
        this.out = out;
        this.where = where;
        this.log = log;
        this.limited = new RateLimitedLog(log, clock, windowNanos);
    }

    @Override
    public void onConnect(Connection c) {
        // A socket peer's uid is known (SO_PEERCRED); a topic's records have none to show.
        log.println(name(c) + " connected: " + c.source() + (c.peer().uid() >= 0 ? ", uid " + c.peer().uid() : "")
                + ", version " + Integer.toUnsignedString(c.version()));
    }

    @Override
    public void onDisconnect(Connection c) {
        out.flush();
        limited.finish(name(c) + " ");
        LongAdder lost = unwrittenBy.remove(c.id());
        log.println(name(c) + " disconnected: messages=" + c.messages() + " unknown=" + c.unknown() + " malformed="
                + c.malformed() + " dropped=" + (c.lastDropped() + (lost == null ? 0 : lost.sum())));
    }

    /** Returns how many messages' lines {@code out} did not take, over every connection. */
    public long unwritten() {
        return unwritten.sum();
    }

    @Override
    public RateLimitedLog limitedLog() {
        return limited;
    }

    @Override
    public void onMalformed(Connection c, String problem) {
        limited.report(name(c) + " malformed", name(c) + " malformed packet skipped: " + problem,
                name(c) + " (" + c.source() + "): %s more malformed packets skipped in the last %d s", problem);
    }

    @Override
    public void onTick() {
        out.flush();
        limited.tick();
    }

    @Override
    public void onUnknown(Connection c, int type, long dropped, byte[] payload) {
        if (format == OutputFormat.JSON) {
            print(c, "{\"type\":" + type + ",\"client\":" + c.id() + ",\"dropped\":" + dropped + ",\"payload\":\""
                    + Base64.getEncoder().encodeToString(payload) + "\"}");
        } else {
            limited.report(name(c) + " unknown", name(c) + " unknown message type " + type + " (" + payload.length
                    + " bytes) skipped", name(c) + " (" + c.source()
                    + "): %s more messages of unknown types skipped in the last %d s", "type " + type);
        }
    }

    @Override
    public void onEvent(Event e) {
        print(e.connection(), format(e));
    }

    /** Writes one line of {@code c}'s; one {@code out} does not take is counted, and the first said. */
    private void print(Connection c, String line) {
        boolean written;
        synchronized (out) {
            // One write of the line and its end: println was two (a PrintStream subclass prints,
            // then ends the line), and another process's line could come between them.
            out.print(line + System.lineSeparator());
            written = TrailStream.wrote(out);
        }
        if (written) {
            return;
        }
        unwritten.increment();
        unwrittenBy.computeIfAbsent(c.id(), id -> new LongAdder()).increment();
        if (!failed.get() && failed.compareAndSet(false, true)) {
            log.println("seccheck server: writing " + where + " failed, messages are being lost (counted in each"
                    + " connection's dropped=): " + TrailStream.failure(out));
        }
    }

    /** Returns the line printed for one event. */
    public String format(Event e) {
        return format == OutputFormat.JSON ? json(e) : text(e);
    }

    static String text(Event e) {
        Message m = e.message();
        String name = m.getDescriptorForType().getName();
        if (m instanceof Syscall s) {
            return MessageText.line(e.isExit() ? "X" : "E", "sysno/" + s.getSysno(), m);
        }
        boolean syscall = m.getDescriptorForType().getFile().getPackage().equals("gvisor.syscall");
        return MessageText.line(syscall ? (e.isExit() ? "X" : "E") : "*", name, m);
    }

    /** Returns the event as the text sink's JSON line (docs/json.md), with the server's {@code client} and {@code dropped}. */
    static String json(Event e) {
        return JsonLine.of(pointName(e), e.type(), e.message(), 0, n -> {
            n.put("client", e.connection().id());
            n.put("dropped", e.dropped());
        });
    }

    /**
     * Returns the name of the point that sent the event: from the message type for lifecycle
     * points, from the type and the message's {@code sysno} for syscalls (a sysno this build does
     * not know keeps the message's name).
     */
    static String pointName(Event e) {
        Message m = e.message();
        return switch (e.type()) {
            case MESSAGE_CONTAINER_START -> Point.CONTAINER_START.name();
            case MESSAGE_SENTRY_CLONE -> Point.CLONE.name();
            case MESSAGE_SENTRY_EXEC -> Point.EXECVE.name();
            case MESSAGE_SENTRY_EXIT_NOTIFY_PARENT -> Point.EXIT_NOTIFY_PARENT.name();
            case MESSAGE_SENTRY_TASK_EXIT -> Point.TASK_EXIT.name();
            case MESSAGE_SENTRY_MMAP -> Point.MMAP.name();
            default -> {
                FieldDescriptor f = m.getDescriptorForType().findFieldByName("sysno");
                long sysno = f == null ? -1 : ((Number) m.getField(f)).longValue();
                boolean raw = e.type() == MessageType.MESSAGE_SYSCALL_RAW;
                SyscallType t = raw ? (e.isExit() ? SyscallType.RAW_EXIT : SyscallType.RAW_ENTER)
                        : (e.isExit() ? SyscallType.EXIT : SyscallType.ENTER);
                yield sysno < 0 || sysno > Point.MAX_SYSNO ? m.getDescriptorForType().getName()
                        : CATALOG.pointForSyscall(t, (int) sysno).map(Point::name).orElse(m.getDescriptorForType().getName());
            }
        };
    }

    private static String name(Connection c) {
        return String.format("client-%04d", c.id());
    }
}

package dev.seccheck.testing;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.sink.PointSink;
import dev.seccheck.sink.SecurityCheckException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * RecordingSink remembers every point it receives, can deny with an errno or fail like a buggy
 * sink, and notices points that arrive after it was stopped.
 */
public final class RecordingSink implements PointSink {

    /** Received is one delivered point: what it was, with which fields, carrying which message. */
    public record Received(String point, FieldSet fields, Message msg) {}

    private final String name;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger stops = new AtomicInteger();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final AtomicInteger afterStop = new AtomicInteger();
    private volatile int denyErrno;
    private volatile boolean failing;
    private final List<String> journal;

    /** Creates a sink recording into its own list and, if not null, its name into a shared journal. */
    public RecordingSink(String name, List<String> journal) {
        this.name = name;
        this.journal = journal;
    }

    /** Creates a sink recording into its own list only. */
    public RecordingSink(String name) {
        this(name, null);
    }

    /** Makes every later point fail the operation with this errno (0: accept again). */
    public RecordingSink denyWith(int errno) {
        this.denyErrno = errno;
        return this;
    }

    /** Makes every later point throw an unchecked exception, like a buggy sink. */
    public RecordingSink failing() {
        this.failing = true;
        return this;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void point(Point point, FieldSet fields, MessageType type, Message msg) throws SecurityCheckException {
        record(point.name(), fields, msg);
    }

    private void record(String point, FieldSet fields, Message msg) throws SecurityCheckException {
        if (stopped.get()) {
            afterStop.incrementAndGet();
        }
        received.add(new Received(point, fields, msg));
        if (journal != null) {
            journal.add(name);
        }
        if (failing) {
            throw new IllegalStateException("sink " + name + " is broken");
        }
        int errno = denyErrno;
        if (errno != 0) {
            throw new SecurityCheckException(errno, name + " denies " + point);
        }
    }

    @Override
    public void stop() {
        stopped.set(true);
        stops.incrementAndGet();
    }

    /** Returns what was received, in order. */
    public List<Received> received() {
        return List.copyOf(received);
    }

    /** Returns the names of the points received, in order. */
    public List<String> points() {
        return received.stream().map(Received::point).toList();
    }

    /** Returns how many times stop() was called. */
    public int stops() {
        return stops.get();
    }

    /** Returns how many points arrived after stop(). */
    public int deliveredAfterStop() {
        return afterStop.get();
    }
}

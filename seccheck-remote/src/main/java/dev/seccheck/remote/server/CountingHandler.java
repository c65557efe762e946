package dev.seccheck.remote.server;

import dev.seccheck.remote.consumer.Event;
import dev.seccheck.remote.consumer.EventHandler;
import java.util.concurrent.atomic.AtomicLong;

/**
 * CountingHandler passes every decoded message on to another handler (a {@link MessagePrinter},
 * say) and counts them, for a caller on another thread that waits until all it sent has arrived:
 * a load test or a benchmark. Connection events are not passed on.
 */
public final class CountingHandler implements EventHandler {
    private final EventHandler next;
    private final AtomicLong messages = new AtomicLong();

    public CountingHandler(EventHandler next) {
        this.next = next;
    }

    @Override
    public void onEvent(Event e) {
        next.onEvent(e);
        messages.incrementAndGet();
    }

    /** Returns how many messages have been passed on so far. */
    public long messages() {
        return messages.get();
    }
}

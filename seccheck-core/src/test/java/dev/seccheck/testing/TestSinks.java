package dev.seccheck.testing;

import dev.seccheck.points.PointReq;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkException;
import dev.seccheck.sink.SinkSetup;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TestSinks is a sink kind for tests: it makes {@link RecordingSink}s, and fails validation,
 * setup or creation on request through its config ({@code "fail": "validate"|"setup"|"create"}),
 * while counting the setups it opened and closed.
 */
public final class TestSinks implements SinkDescriptor.Plain {

    private final String name;
    private final List<RecordingSink> made = new CopyOnWriteArrayList<>();
    private final AtomicInteger setupsOpened = new AtomicInteger();
    private final AtomicInteger setupsClosed = new AtomicInteger();
    private final List<String> journal;

    public TestSinks(String name, List<String> journal) {
        this.name = name;
        this.journal = journal;
    }

    public TestSinks(String name) {
        this(name, null);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public SinkConfig validate(SinkConfig config, List<PointReq> sessionPoints) throws SinkException {
        config.requireOnly("fail", "label");
        if (failAt(config, "validate")) {
            throw config.error("fail", "validation refused");
        }
        return config;
    }

    @Override
    public SinkSetup setup(SinkConfig config) throws SinkException {
        if (failAt(config, "setup")) {
            throw new SinkException("cannot reach the endpoint");
        }
        if (failAt(config, "setup-bug")) {
            throw new IllegalStateException("setup bug");
        }
        setupsOpened.incrementAndGet();
        AtomicInteger closedOnce = new AtomicInteger();
        return () -> {
            if (closedOnce.getAndIncrement() == 0) {
                setupsClosed.incrementAndGet();
            }
        };
    }

    @Override
    public Sink create(SinkConfig config, SinkSetup setup) throws SinkException {
        if (failAt(config, "create")) {
            throw new SinkException("creation refused");
        }
        String label = config.string("label").orElse(name);
        RecordingSink sink = new RecordingSink(label, journal);
        made.add(sink);
        return sink;
    }

    private static boolean failAt(SinkConfig config, String step) throws SinkException {
        return config.string("fail").map(step::equals).orElse(false);
    }

    /** Returns every sink made so far, in order. */
    public List<RecordingSink> made() {
        return List.copyOf(made);
    }

    /** Returns the last sink made. */
    public RecordingSink last() {
        return made.getLast();
    }

    /** Returns how many setups were opened. */
    public int setupsOpened() {
        return setupsOpened.get();
    }

    /** Returns how many setups were closed without becoming a sink. */
    public int setupsClosed() {
        return setupsClosed.get();
    }
}

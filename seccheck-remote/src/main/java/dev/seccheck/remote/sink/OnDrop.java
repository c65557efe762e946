package dev.seccheck.remote.sink;

import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * OnDrop is what the remote sink does with a point it cannot deliver (the server's socket stayed
 * full for the whole retry budget, or the server is gone). Counting it is gVisor's behaviour; it
 * lets a program act unrecorded by first filling a slow server's socket with harmless points. The
 * other two make the trail lossless instead: the operation whose point is lost does not happen,
 * or its process does not live on.
 */
public enum OnDrop {
    /** The point is dropped and counted; the operation goes on (gVisor's behaviour, the default). */
    COUNT("count"),
    /**
     * The point is dropped and counted, and the operation fails with EPERM: a syscall at its enter
     * point, an executable mapping at {@code sentry/mmap}. Where the operation is already done, a
     * denial has the effect it has for any sink (an exec or a clone is killed, an exit point's
     * syscall stands).
     */
    DENY("deny"),
    /** The point is dropped and counted, and the process of the task it reports is killed. */
    KILL("kill");

    private final String key;

    OnDrop(String key) {
        this.key = key;
    }

    /** Returns the name a session configuration gives it. */
    public String key() {
        return key;
    }

    /** Reads {@code on_drop} from a sink configuration: absent means {@link #COUNT}. */
    static OnDrop parse(SinkConfig config) throws SinkException {
        String given = config.string("on_drop").orElse(COUNT.key);
        for (OnDrop d : values()) {
            if (d.key.equals(given)) {
                return d;
            }
        }
        throw config.error("on_drop", "must be one of " + Arrays.stream(values()).map(d -> "\"" + d.key + "\"")
                .collect(Collectors.joining(", ")) + ", got \"" + given + "\"");
    }
}

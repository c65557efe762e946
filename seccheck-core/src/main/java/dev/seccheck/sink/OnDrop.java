package dev.seccheck.sink;

import dev.seccheck.abi.Errno;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * OnDrop is what a sink does with a point it cannot deliver or write: the remote sink's server
 * socket stayed full for the whole retry budget or the server is gone; the text sink's file could
 * not take the line (a full disk). Counting it is gVisor's behaviour, and lets a program act
 * unrecorded by first filling the server's socket, or the disk the trail is written to. The other
 * two make the trail lossless instead: the operation whose point is lost does not happen, or its
 * process does not live on. The config key is {@code on_drop}.
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

    /** The config key. */
    public static final String KEY = "on_drop";

    private final String key;

    OnDrop(String key) {
        this.key = key;
    }

    /** Returns the name a session configuration gives it. */
    public String key() {
        return key;
    }

    /**
     * Applies this to a point just dropped: nothing for {@link #COUNT}, else throws the denial
     * (EPERM) or the kill that fails its operation, for {@code reason}.
     */
    public void enforce(String reason) throws SecurityCheckException {
        switch (this) {
            case COUNT -> {}
            case DENY -> throw new SecurityCheckException(Errno.EPERM, reason);
            case KILL -> throw SecurityCheckException.killing(reason);
        }
    }

    /** Reads {@code on_drop} from a sink configuration: absent means {@link #COUNT}. */
    public static OnDrop parse(SinkConfig config) throws SinkException {
        String given = config.string(KEY).orElse(COUNT.key);
        for (OnDrop d : values()) {
            if (d.key.equals(given)) {
                return d;
            }
        }
        throw config.error(KEY, "must be one of " + Arrays.stream(values()).map(d -> "\"" + d.key + "\"")
                .collect(Collectors.joining(", ")) + ", got \"" + given + "\"");
    }
}

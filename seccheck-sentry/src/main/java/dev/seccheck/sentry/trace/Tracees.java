package dev.seccheck.sentry.trace;

import dev.seccheck.linux.Ptrace;
import java.util.HashMap;
import java.util.Map;

/**
 * Tracees holds the {@link Tracee} of every thread the tracer has seen stop or be created, made
 * on first use. Tracer thread only.
 */
final class Tracees {

    private final Map<Integer, Tracee> byTid = new HashMap<>();
    private final Ptrace ptrace = new Ptrace();
    private final Reaps wait = new Reaps();
    private final Doorbell doorbell;
    /** The ptrace options every tracee carries, fixed for the run ({@link TaskLifecycle#BASE_OPTIONS}). */
    private final int options;

    Tracees(Doorbell doorbell, int options) {
        this.doorbell = doorbell;
        this.options = options;
    }

    /** Returns the thread's Tracee, making it if new. */
    Tracee of(int tid) {
        return byTid.computeIfAbsent(tid, t -> new Tracee(t, ptrace, wait, doorbell, this));
    }

    /** Returns the ptrace options every tracee carries. */
    int options() {
        return options;
    }


    /** Returns every thread's Tracee. */
    Iterable<Tracee> all() {
        return byTid.values();
    }

    /** Returns the thread's Tracee, or null if never seen. */
    Tracee find(int tid) {
        return byTid.get(tid);
    }

    /** Forgets an ended thread. */
    void remove(int tid) {
        Tracee t = byTid.remove(tid);
        if (t != null) {
            t.unpark();
        }
    }

    /**
     * A non-leader thread executed and took over its leader's tid: what the executing thread
     * awaited, and the filter layers it carries, move to the leader's tid.
     */
    void moved(int former, int tid) {
        Tracee old = byTid.remove(former);
        if (old == null) {
            return;
        }
        old.unpark();
        Tracee now = of(tid);
        var pending = old.takeAwaitedExit();
        if (pending != null) {
            now.awaitExit(pending);
        }
        // The filters are the executing thread's, not the former leader's.
        now.layers(old.layers());
        now.needsLayer(old.needsLayer());
    }
}

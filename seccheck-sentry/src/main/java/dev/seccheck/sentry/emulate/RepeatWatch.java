package dev.seccheck.sentry.emulate;

import dev.seccheck.linux.Procfs;
import java.io.IOException;
import java.nio.file.Files;
import java.util.OptionalLong;

/**
 * RepeatWatch tells whether a task that an fd is kept for ({@link Restarts}) may still repeat the
 * call it was interrupted in, from what /proc shows of it: stopped (a signal stop the tracer has not
 * answered yet, SIGSTOP, a freeze), or in that very syscall (its repeat waits for the notifier),
 * it will; running elsewhere, it may have moved on for good. Only time spent {@link Place#AWAY}
 * counts against the fd: a task whose repeat came late because it stayed stopped (for the tracer
 * on a loaded machine, or for a SIGSTOP) once found its accepted connection closed, and the peer
 * saw it end unanswered.
 */
final class RepeatWatch {

    /** Where the task stands. */
    enum Place {
        /** Stopped, or in the syscall: its repeat is still to come, or being made. */
        WAITING,
        /** Running, or in another syscall. */
        AWAY,
        /** Exited, or its number taken by another task. */
        GONE
    }

    private final int tid;
    private final int nr;
    private final OptionalLong start;
    /** When the task was first seen away without coming back since ({@link System#nanoTime}); null when not. */
    private Long awaySince;

    /** Watches task {@code tid}, interrupted in syscall {@code nr}, as it is now. */
    RepeatWatch(int tid, int nr) {
        this.tid = tid;
        this.nr = nr;
        this.start = Procfs.startTicks(tid);
    }

    /**
     * Whether the task has moved on from the call: it is gone, or it was seen away at every look
     * for at least {@code nanos}. Called from one thread at a time.
     */
    boolean movedOn(long nanos) {
        Place p = place();
        if (p == Place.GONE) {
            return true;
        }
        if (p == Place.WAITING) {
            awaySince = null;
            return false;
        }
        long now = System.nanoTime();
        if (awaySince == null) {
            awaySince = now;
        }
        return now - awaySince >= nanos;
    }

    /** Where the task stands now. */
    Place place() {
        try {
            if (start.isEmpty() || Procfs.startTicks(tid).orElse(-1) != start.getAsLong()) {
                return Place.GONE;
            }
            String state = Procfs.statFieldsAfterComm(tid)[0];
            if (state.equals("Z") || state.equals("X")) {
                return Place.GONE;
            }
            if (state.equals("t") || state.equals("T")) {
                return Place.WAITING;
            }
            String line = Files.readString(Procfs.dir(tid).resolve("syscall")).strip();
            int end = line.indexOf(' ');
            String first = end < 0 ? line : line.substring(0, end);
            return first.equals(Integer.toString(nr)) ? Place.WAITING : Place.AWAY;
        } catch (IOException | RuntimeException e) {
            return Place.GONE;
        }
    }
}

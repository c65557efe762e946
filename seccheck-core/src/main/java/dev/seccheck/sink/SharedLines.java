package dev.seccheck.sink;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * SharedLines keeps the lines of sinks that write to one stream (stderr, stdout) whole. A sink
 * that leaves a line open there (the text sink's call line, waiting for its exit) registers a
 * {@link Guard}; a sink about to write a line of its own (the policy sink's alert) writes it
 * through {@link #write}, which has each guard end its open line first ({@code <unfinished ...>},
 * as strace does when another line comes between) and hold it from opening another until the line
 * is out. Without it an alert landed in the middle of a call line.
 */
public final class SharedLines {
    private SharedLines() {}

    /** A sink's open line on a stream. */
    public interface Guard {
        /** Ends the open line, if any, then runs {@code write}, opening no line meanwhile. */
        void endThen(Runnable write);
    }

    private static final Map<PrintStream, List<Guard>> GUARDS = new ConcurrentHashMap<>();

    /** Registers {@code guard} for the lines it leaves open on {@code out}. */
    public static void guard(PrintStream out, Guard guard) {
        GUARDS.computeIfAbsent(out, o -> new CopyOnWriteArrayList<>()).add(guard);
    }

    /** Removes {@code guard} (its sink stopped). */
    public static void unguard(PrintStream out, Guard guard) {
        List<Guard> guards = GUARDS.get(out);
        if (guards != null) {
            guards.remove(guard);
        }
    }

    /** Runs {@code write} (one line on {@code out}) once every open line there has been ended. */
    public static void write(PrintStream out, Runnable write) {
        List<Guard> guards = GUARDS.get(out);
        if (guards == null || guards.isEmpty()) {
            write.run();
            return;
        }
        run(List.copyOf(guards), 0, write);
    }

    private static void run(List<Guard> guards, int i, Runnable write) {
        if (i == guards.size()) {
            write.run();
            return;
        }
        guards.get(i).endThen(() -> run(guards, i + 1, write));
    }
}

package dev.seccheck.sink;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * SharedLines keeps the lines of sinks that write to one stream (stderr, stdout, or a file, which
 * every sink of it shares: {@link TrailStream#append}) whole. A sink that leaves a line open
 * there (the text sink's call line, waiting for its exit) registers a {@link Guard}; every sink
 * writes its lines through {@link #write}, which has each other guard end its open line first
 * ({@code <unfinished ...>}, as strace does when another line comes between) and holds the
 * stream's lock until the line is out, so that no line opens meanwhile. Without it an alert, or a
 * second text sink's line, landed in the middle of a call line.
 *
 * <p>The stream's lock is taken before any sink's own: a guard's sink takes its lock inside
 * {@link Guard#end}, and a sink writes under the stream's lock, then its own. In that one order
 * two sinks ending each other's lines cannot deadlock.
 */
public final class SharedLines {
    private SharedLines() {}

    /** A sink's open line on a stream. */
    public interface Guard {
        /** Ends the open line, if any; called with the stream's lock held. */
        void end();
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
        write(out, null, write);
    }

    /** Runs {@code write} as {@link #write(PrintStream, Guard, Runnable)} does; returns what it returned (whether the line was written). */
    public static boolean written(PrintStream out, Guard self, BooleanSupplier write) {
        synchronized (out) {
            endOthers(out, self);
            return write.getAsBoolean();
        }
    }

    /**
     * Runs {@code write} (lines of the sink whose guard is {@code self}, or null) under
     * {@code out}'s lock once every other sink's open line there has been ended; the sink's own
     * open line is its own to end or close.
     */
    public static void write(PrintStream out, Guard self, Runnable write) {
        synchronized (out) {
            endOthers(out, self);
            write.run();
        }
    }

    private static void endOthers(PrintStream out, Guard self) {
        List<Guard> guards = GUARDS.get(out);
        if (guards != null) {
            for (Guard g : guards) {
                if (g != self) {
                    g.end();
                }
            }
        }
    }
}

package dev.seccheck.cli;

import dev.seccheck.linux.CallerWorld;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.SignalPipe;
import java.time.Duration;
import java.util.List;

/**
 * SignalForwarding hands the signals a user sends to {@code seccheck run} or {@code exec} (INT,
 * TERM, HUP, QUIT...) to a callback, the supervisor passing them on to the program, instead of
 * letting them end the JVM or, for QUIT, print its thread dump.
 *
 * <p>Java has no supported API that catches a signal and keeps running: shutdown hooks run on the
 * way out, with the exit status already fixed, while {@code seccheck run} must exit with the
 * program's own status (a program may ignore TERM and finish its work). And the callback must know
 * who sent each signal, which {@code sun.misc.Signal} does not tell: a terminal sends its signals
 * to its whole foreground process group, and a process may signal seccheck's whole group, where
 * the program may have got the same signal already ({@link Target#received}). So every signal
 * comes through a {@link SignalPipe}, whose handler hands on the signal's siginfo. The commands
 * that run no program take QUIT here too, so that it ends them as TERM does
 * ({@link #quitEndsAsTermDoes}).
 */
final class SignalForwarding {
    private SignalForwarding() {}

    /** Target receives each signal handed over. */
    @FunctionalInterface
    interface Target {
        /**
         * Takes a signal, with where it came from: {@link SignalPipe.Caught#fromTerminal} when the
         * kernel sent it on its own (a terminal's key, a resize, a hangup: siginfo's SI_KERNEL),
         * else its {@link SignalPipe.Caught#sender}, the process that sent it with kill(2).
         */
        void received(SignalPipe.Caught signal);
    }

    /** The pipe and its reader, once {@link #forwardPiped} installed them (null again once released). */
    private static SignalPipe pipe;
    private static Thread reader;
    /** The signals the pipe takes so far. */
    private static final java.util.Set<String> piped = new java.util.HashSet<>();
    /** Where the reader hands each signal: the latest {@link #install}'s callback. */
    private static volatile Target pipeTarget;

    /** Returns the number of a signal named as {@link #install} takes it ("TERM"). */
    static int number(String name) {
        return dev.seccheck.abi.Signal.byName("SIG" + name)
                .orElseThrow(() -> new IllegalArgumentException("no signal named " + name));
    }

    /**
     * Routes each named signal (e.g. "TERM") to {@code forward}.
     *
     * @throws IllegalStateException if a signal's handler cannot be installed
     */
    static void install(List<String> names, Target forward) {
        forwardPiped(names, forward);
    }

    /**
     * Makes QUIT end this process as TERM does, for a command that forwards signals to no program
     * ({@code server}, {@code tracereplay save}): its shutdown hooks run (a server's trail is
     * flushed) and it exits 128+3, where HotSpot would print a thread dump into stdout, the
     * server's trail, and run on. A QUIT the caller ignored ({@link CallerWorld#ignores}) stays
     * ignored, as such a TERM does: the JVM then installs no handler of its own for it.
     */
    static void quitEndsAsTermDoes(CallerWorld caller) {
        int quit = number("QUIT");
        boolean ignored = caller.ignores(quit);
        install(List.of("QUIT"), c -> {
            if (!ignored) {
                System.exit(128 + quit);
            }
        });
    }

    /**
     * The signals of {@code names} go through the pipe (QUIT included, which HotSpot keeps for its
     * thread dump and sun.misc.Signal refuses), and a thread of its own hands each one to
     * {@code forward}.
     */
    private static synchronized void forwardPiped(List<String> names, Target forward) {
        pipeTarget = forward;
        List<String> more = names.stream().filter(n -> !piped.contains(n)).toList();
        if (more.isEmpty()) {
            return;
        }
        int[] numbers = more.stream().mapToInt(SignalForwarding::number).toArray();
        try {
            if (pipe == null) {
                pipe = SignalPipe.catching(numbers);
                SignalPipe taken = pipe;
                // One pipe and one reader per process: a later install (another run in the same JVM,
                // as tests make) only changes where the signals go, and leaves no reader blocked for good.
                reader = Thread.ofPlatform().daemon().name("seccheck-signals").start(() -> read(taken));
            } else {
                pipe.catchAlso(numbers);
            }
        } catch (LinuxException e) {
            throw new IllegalStateException("cannot forward " + more + ": " + e.getMessage(), e);
        }
        piped.addAll(more);
    }

    private static void read(SignalPipe from) {
        try {
            for (SignalPipe.Caught c; (c = from.take()) != null; ) {
                pipeTarget.received(c);
            }
        } catch (LinuxException e) {
            System.err.println("seccheck: signals are no longer forwarded: " + e.getMessage());
        }
    }

    /**
     * Ends the pipe's reader before the process exits: a thread blocked in a native read would hold
     * the JVM's exit for 300 ms ({@link SignalPipe#release}). Waits for it at most 100 ms.
     */
    static synchronized void release() {
        SignalPipe p = pipe;
        Thread r = reader;
        if (p == null || r == null) {
            return;
        }
        pipe = null;
        reader = null;
        piped.clear();
        try {
            p.release();
            r.join(Duration.ofMillis(100));
        } catch (LinuxException e) {
            // The pipe is full of signals not yet taken: the reader is busy, not blocked.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

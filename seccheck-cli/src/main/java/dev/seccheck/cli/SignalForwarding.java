package dev.seccheck.cli;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandleProxies;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.SignalPipe;
import java.time.Duration;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * SignalForwarding hands the signals a user sends to {@code seccheck run} or {@code exec} (INT,
 * TERM, HUP, QUIT...) to a callback, the supervisor passing them on to the program, instead of
 * letting them end the JVM or, for QUIT, print its thread dump.
 *
 * <p>Java has no supported API that catches a signal and keeps running: shutdown hooks run on the
 * way out, with the exit status already fixed, while {@code seccheck run} must exit with the
 * program's own status (a program may ignore TERM and finish its work). {@code sun.misc.Signal}
 * (module jdk.unsupported, kept exported for exactly this) does the job. This class is the only
 * place that uses it, and it does so through method handles: javac warns about every source
 * reference to the class ("internal proprietary API") and no {@code @SuppressWarnings} silences
 * that warning, which would otherwise show in every build.
 *
 * <p>The signals a terminal sends (INT, QUIT, TSTP, TTIN, TTOU, WINCH, HUP, CONT) come through a
 * {@link SignalPipe} instead, which tells who sent each: the terminal sends them to its whole
 * foreground process group, where the program may have got the same signal already
 * ({@link Target#received}).
 */
final class SignalForwarding {
    private SignalForwarding() {}

    /** The signals a terminal sends, taken through the pipe, which tells their sender: QUIT must be. */
    static final List<String> PIPED = List.of("HUP", "INT", "QUIT", "TSTP", "TTIN", "TTOU", "WINCH", "CONT");

    /** Target receives each signal handed over. */
    @FunctionalInterface
    interface Target {
        /**
         * Takes signal {@code sig}; {@code fromTerminal} when the kernel sent it on its own (a
         * terminal's key, a resize, a hangup: siginfo's SI_KERNEL), not a process with kill(2).
         */
        void received(int sig, boolean fromTerminal);
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
        return switch (name) {
            case "HUP" -> 1;
            case "INT" -> 2;
            case "QUIT" -> 3;
            case "USR1" -> 10;
            case "USR2" -> 12;
            case "TERM" -> 15;
            case "CONT" -> 18;
            case "TSTP" -> 20;
            case "TTIN" -> 21;
            case "TTOU" -> 22;
            case "WINCH" -> 28;
            default -> throw new IllegalArgumentException("no signal named " + name);
        };
    }

    /**
     * Routes each named signal (e.g. "TERM") to {@code forward}.
     *
     * @throws IllegalArgumentException if the JVM cannot hand over a signal (one it uses itself, or
     *     all of them under {@code -Xrs})
     */
    static void install(List<String> names, Target forward) {
        forwardPiped(names.stream().filter(PIPED::contains).toList(), forward);
        names = names.stream().filter(n -> !PIPED.contains(n)).toList();
        IntConsumer killed = sig -> forward.received(sig, false);
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            MethodHandle number = lookup.findVirtual(signal, "getNumber", MethodType.methodType(int.class));
            MethodHandle accept = lookup.findVirtual(IntConsumer.class, "accept",
                    MethodType.methodType(void.class, int.class)).bindTo(killed);
            Object handler = MethodHandleProxies.asInterfaceInstance(handlerType,
                    MethodHandles.filterArguments(accept, 0, number));
            MethodHandle create = lookup.findConstructor(signal, MethodType.methodType(void.class, String.class));
            MethodHandle handle = lookup.findStatic(signal, "handle",
                    MethodType.methodType(handlerType, signal, handlerType));
            for (String name : names) {
                handle.invoke(create.invoke(name), handler);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot forward signals " + names + " through sun.misc.Signal", e);
        }
    }

    /**
     * The signals of {@code names} go through the pipe (QUIT, which HotSpot keeps for its thread
     * dump and sun.misc.Signal refuses, and the others a terminal sends), and a thread of its own
     * hands each one to {@code forward}.
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
                pipeTarget.received(c.signal(), c.code() == SignalPipe.SI_KERNEL);
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

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
 */
final class SignalForwarding {
    private SignalForwarding() {}

    private static final int SIGQUIT = 3;

    /** The QUIT pipe and its reader, once {@link #forwardQuit} installed them (null again once released). */
    private static SignalPipe quitPipe;
    private static Thread quitReader;
    /** Where the reader hands each QUIT: the latest {@link #install}'s callback. */
    private static volatile IntConsumer quitTarget;

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
     * Routes each named signal (e.g. "TERM") to {@code forward}, which receives its number.
     *
     * @throws IllegalArgumentException if the JVM cannot hand over a signal (one it uses itself, or
     *     all of them under {@code -Xrs})
     */
    static void install(List<String> names, IntConsumer forward) {
        if (names.contains("QUIT")) {
            forwardQuit(forward);
            names = names.stream().filter(n -> !n.equals("QUIT")).toList();
        }
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            MethodHandle number = lookup.findVirtual(signal, "getNumber", MethodType.methodType(int.class));
            MethodHandle accept = lookup.findVirtual(IntConsumer.class, "accept",
                    MethodType.methodType(void.class, int.class)).bindTo(forward);
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
     * QUIT is HotSpot's (a thread dump) and sun.misc.Signal refuses it: a {@link SignalPipe}
     * takes it from HotSpot, and a thread of its own hands each one to {@code forward}.
     */
    private static synchronized void forwardQuit(IntConsumer forward) {
        quitTarget = forward;
        if (quitPipe != null) {
            // One pipe and one reader per process: a later install (another run in the same JVM,
            // as tests make) only changes where QUIT goes, and leaves no reader blocked for good.
            return;
        }
        SignalPipe pipe;
        try {
            pipe = SignalPipe.catching(SIGQUIT);
        } catch (LinuxException e) {
            throw new IllegalStateException("cannot forward QUIT: " + e.getMessage(), e);
        }
        quitPipe = pipe;
        quitReader = Thread.ofPlatform().daemon().name("seccheck-quit").start(() -> {
            try {
                for (int sig; (sig = pipe.take()) != 0; ) {
                    quitTarget.accept(sig);
                }
            } catch (LinuxException e) {
                System.err.println("seccheck: QUIT is no longer forwarded: " + e.getMessage());
            }
        });
    }

    /**
     * Ends the QUIT reader before the process exits: a thread blocked in a native read would hold
     * the JVM's exit for 300 ms ({@link SignalPipe#release}). Waits for it at most 100 ms.
     */
    static synchronized void release() {
        SignalPipe pipe = quitPipe;
        Thread reader = quitReader;
        if (pipe == null || reader == null) {
            return;
        }
        quitPipe = null;
        quitReader = null;
        try {
            pipe.release();
            reader.join(Duration.ofMillis(100));
        } catch (LinuxException e) {
            // The pipe is full of QUITs not yet taken: the reader is busy, not blocked.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

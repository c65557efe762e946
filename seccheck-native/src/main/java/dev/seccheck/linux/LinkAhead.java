package dev.seccheck.linux;

import java.lang.invoke.MethodHandles;
import java.util.List;

/**
 * LinkAhead initialises binding classes on a background thread, so the downcall handles their
 * static finals make are linked while the caller's own thread does other start-up work (parsing
 * the command line and the sessions). Linking a handle spins hidden classes (a downcall stub and
 * its invoke forms) at every start, since {@code --illegal-native-access=deny} keeps them out of
 * the AOT cache; on a two-CPU machine this takes that work off the path to the program's first
 * instruction (BENCHMARKS.md, "Start-up, session 7").
 *
 * <p>Nothing changes for the classes' users: a class is initialised once whichever thread gets
 * there first, and a thread that needs one the linker is still initialising waits for it (the
 * JVM's class initialisation lock). No binding class's static initialiser needs another binding
 * class that, in turn, needs it, so two threads initialising them cannot deadlock. A class that
 * fails to initialise here (a symbol libc lacks) fails for its first user too: the JVM throws
 * {@link NoClassDefFoundError} there, caused by this thread's {@link ExceptionInInitializerError}
 * and its {@link UnsatisfiedLinkError} naming the symbol.
 */
public final class LinkAhead {
    private LinkAhead() {}

    /** The binding classes {@code seccheck run} uses, in the order a run first calls them. */
    static final List<Class<?>> RUN = List.of(
            FileDescriptor.class, UnixSeqpacket.class, SignalPipe.class, Ptrace.class, Wait.class,
            ProcessMemory.class, Syscalls.class, Spawn.class, Direct.class, Seccomp.class,
            Signals.class, Poll.class, SeccompReplies.class);

    /**
     * Starts a daemon thread that initialises the binding classes a supervised run uses, and returns
     * it at once. The thread ends when they are all initialised; nobody needs to wait for it.
     */
    public static Thread forRun() {
        return start(RUN);
    }

    /** Starts a daemon thread initialising {@code classes} in order; failures are left for their first user. */
    static Thread start(List<Class<?>> classes) {
        // A class, not a lambda: under deny a lambda's class is spun at run time, and this runs
        // before anything else on the caller's thread.
        Thread t = new Thread("seccheck-link-ahead") {
            @Override
            public void run() {
                initialise(classes);
            }
        };
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void initialise(List<Class<?>> classes) {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        for (Class<?> c : classes) {
            try {
                lookup.ensureInitialized(c);
            } catch (IllegalAccessException | LinkageError e) {
                // The class's first user gets the same failure from the JVM, with this one as
                // its cause: no message is lost by not reporting it here.
            }
        }
    }
}

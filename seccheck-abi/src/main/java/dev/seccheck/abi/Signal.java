package dev.seccheck.abi;

import java.util.List;
import java.util.OptionalInt;

/**
 * Signal holds the x86-64 Linux signal numbers ({@code asm/signal.h}) and their names, so a wait
 * status, a log line and a kill request name a signal the same way.
 */
public final class Signal {
    private Signal() {}

    public static final int SIGHUP = 1;
    public static final int SIGINT = 2;
    public static final int SIGQUIT = 3;
    public static final int SIGILL = 4;
    public static final int SIGTRAP = 5;
    public static final int SIGABRT = 6;
    public static final int SIGIOT = SIGABRT;
    public static final int SIGBUS = 7;
    public static final int SIGFPE = 8;
    public static final int SIGKILL = 9;
    public static final int SIGUSR1 = 10;
    public static final int SIGSEGV = 11;
    public static final int SIGUSR2 = 12;
    public static final int SIGPIPE = 13;
    public static final int SIGALRM = 14;
    public static final int SIGTERM = 15;
    public static final int SIGSTKFLT = 16;
    public static final int SIGCHLD = 17;
    public static final int SIGCONT = 18;
    public static final int SIGSTOP = 19;
    public static final int SIGTSTP = 20;
    public static final int SIGTTIN = 21;
    public static final int SIGTTOU = 22;
    public static final int SIGURG = 23;
    public static final int SIGXCPU = 24;
    public static final int SIGXFSZ = 25;
    public static final int SIGVTALRM = 26;
    public static final int SIGPROF = 27;
    public static final int SIGWINCH = 28;
    public static final int SIGIO = 29;
    public static final int SIGPOLL = SIGIO;
    public static final int SIGPWR = 30;
    public static final int SIGSYS = 31;
    /** SIGRTMIN is the kernel's first real-time signal (glibc reserves two more for itself). */
    public static final int SIGRTMIN = 32;
    /** SIGRTMAX is the last real-time signal, the kernel's {@code _NSIG}. */
    public static final int SIGRTMAX = 64;

    /**
     * SECCHECK_INTERRUPT (SIGRTMIN+8) is the signal seccheck interrupts its own blocking calls with
     * (dev.seccheck.linux.Signals#INTERRUPT): never forwarded.
     */
    public static final int SECCHECK_INTERRUPT = SIGRTMIN + 8;
    /** JDK_NIO_INTERRUPT (SIGRTMAX-2) is the signal the JDK's NIO wakes a thread blocked in I/O with: never forwarded. */
    public static final int JDK_NIO_INTERRUPT = SIGRTMAX - 2;
    /** The first real-time signal glibc leaves to programs: it keeps SIGRTMIN and SIGRTMIN+1 for itself. */
    private static final int FIRST_FREE_REALTIME = SIGRTMIN + 2;

    /**
     * The signals seccheck passes on from itself to the program it runs (the CLI installs their
     * handlers; the tracer matches the copies it sends with the ones a group signal gave the
     * program already): HUP INT QUIT TERM USR1 USR2 WINCH CONT TSTP TTIN TTOU, and every other one
     * whose default action would end the JVM and that the JVM does not need: TRAP ABRT ALRM STKFLT
     * XCPU VTALRM PROF IO PWR SYS and the real-time ones from SIGRTMIN+2 on, but
     * {@link #SECCHECK_INTERRUPT} and {@link #JDK_NIO_INTERRUPT}. Not forwarded: KILL and STOP
     * (no process can catch them), ILL BUS FPE SEGV (HotSpot's: its null checks, safepoint polls and
     * stack banging fault on purpose), PIPE and XFSZ (HotSpot's too: it takes them so that a write
     * fails rather than the process ending), CHLD and URG (ignored by default, natively too), and
     * glibc's SIGRTMIN and SIGRTMIN+1.
     */
    public static final List<Integer> FORWARDED = forwarded();

    private static List<Integer> forwarded() {
        List<Integer> out = new java.util.ArrayList<>(List.of(SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
                SIGWINCH, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGTRAP, SIGABRT, SIGALRM, SIGSTKFLT, SIGXCPU, SIGVTALRM,
                SIGPROF, SIGIO, SIGPWR, SIGSYS));
        for (int sig = FIRST_FREE_REALTIME; sig <= SIGRTMAX; sig++) {
            if (sig != SECCHECK_INTERRUPT && sig != JDK_NIO_INTERRUPT) {
                out.add(sig);
            }
        }
        return List.copyOf(out);
    }

    private static final String[] NAMES = {
        null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
        "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
        "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
        "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    };

    /**
     * Returns the name of signal {@code sig} ("SIGKILL"; real-time ones as "SIGRTMIN+3"), or
     * "signal N" for a number that is no signal.
     */
    public static String name(int sig) {
        if (sig > 0 && sig < NAMES.length) {
            return NAMES[sig];
        }
        if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
            return sig == SIGRTMIN ? "SIGRTMIN" : "SIGRTMIN+" + (sig - SIGRTMIN);
        }
        return "signal " + sig;
    }

    /** Returns the number of the signal named {@code name} (as {@link #name} spells it, or an alias such as "SIGIOT"). */
    public static OptionalInt byName(String name) {
        switch (name) {
            case "SIGIOT" -> { return OptionalInt.of(SIGIOT); }
            case "SIGPOLL" -> { return OptionalInt.of(SIGPOLL); }
            case "SIGRTMAX" -> { return OptionalInt.of(SIGRTMAX); }
            default -> { }
        }
        for (int sig = 1; sig <= SIGRTMAX; sig++) {
            if (name(sig).equals(name)) {
                return OptionalInt.of(sig);
            }
        }
        return OptionalInt.empty();
    }
}

package dev.seccheck.cli;

import dev.seccheck.linux.CallerWorld;
import dev.seccheck.linux.CpuTimeLimit;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.SignalPipe;
import dev.seccheck.sentry.Supervisor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * RunSignals decides what a signal sent to {@code seccheck run} does. Every forwardable signal
 * the caller did not ignore goes to the program. TERM and INT also end the run: the program
 * (or, once its first process is gone, every process left) gets the signal first, and whatever
 * still runs after the grace period is killed; a second INT kills at once; a run whose program
 * never started ends at once. Then {@link #endedBy} names the signal, and the run's exit status
 * is 128 plus its number, as a shell reports a command killed by it.
 *
 * <p>TSTP, TTIN and TTOU go to the program too, and seccheck then follows the program's state as
 * a job would: once the program has stopped, seccheck stops itself, so the shell that started it
 * sees the job stopped (Ctrl-Z gives the prompt back) and its CONT, forwarded, resumes both; a
 * program that catches the signal and runs on keeps seccheck running. seccheck stops only after
 * the program has: a CONT can then never overtake the stop it is meant to end.
 *
 * <p>USR2 is forwarded as well. HotSpot installs a handler for it (its thread suspend/resume
 * signal, SigCgt bit 12), which only JFR's method sampler needs; when seccheck itself is profiled
 * with JFR ({@code SECCHECK_JAVA_OPTS=-XX:StartFlightRecording...}) the sampler's own USR2s would
 * reach the program and kill it, so USR2 stays the JVM's then ({@link #forwarded}).
 * QUIT goes to the program like USR1 (it does not end the run by itself: a program killed by it
 * ends the run with 128+3, as a shell reports): HotSpot's thread dump handler is replaced by a
 * {@link dev.seccheck.linux.SignalPipe}, since {@code sun.misc.Signal} refuses QUIT even under
 * -XX:+ReduceSignalUsage, and -Xrs would take INT, TERM and HUP from it as well (JDK 25).
 *
 * <p>A signal a terminal sent (Ctrl-C, Ctrl-\, Ctrl-Z, a resize, a hangup: siginfo's SI_KERNEL)
 * went to the terminal's whole foreground process group, seccheck's: when the program's first
 * process is still in that group it got the signal itself, so seccheck does not send it a second
 * copy, and an INT does not end the run: the program decides, as natively (before, one Ctrl-C
 * reached a program twice, aborting a Python program's cleanup, and a REPL that handles Ctrl-C was
 * killed after the grace period). A stop seccheck still follows. A hangup's HUP and CONT go to the
 * session's leader alone: forwarded when seccheck leads its session. A signal a process sent with
 * kill(2) is forwarded as from that process, and when it was sent to seccheck's whole group
 * (killpg, the program in it) the program's first process takes one copy of the two
 * ({@link Supervisor#forward}).
 *
 * <p>ALRM, VTALRM, PROF, XCPU, PWR, SYS, IO, STKFLT, TRAP, ABRT and the real-time signals a program
 * may use go to the program like USR1 ({@link dev.seccheck.abi.Signal#FORWARDED}): their default
 * action ended the JVM, with no closing line and the program killed with it. The SIGXCPU the
 * kernel itself sends (si_code SI_KERNEL) is another matter: seccheck's own CPU time reached the
 * soft limit it took ({@link CpuTimeLimit}), the job is over the operator's limit, and the run
 * ends: every process of it is killed ({@link #endForCpuTimeLimit}).
 */
final class RunSignals {

    /** Forwarded to the program, by the names sun.misc.Signal takes. */
    static final List<String> FORWARDED = dev.seccheck.abi.Signal.FORWARDED.stream()
            .map(n -> dev.seccheck.abi.Signal.name(n).substring("SIG".length())).toList();
    private static final int SIGKILL = 9;
    private static final int SIGINT = 2;
    private static final int SIGHUP = 1;
    private static final int SIGCONT = 18;
    /** Where /proc/PID/stat's fields after the name hold the process group and the session. */
    private static final int PGRP = 2;
    private static final int SESSION = 3;
    private static final int SIGSTOP = 19;
    private static final int SIGXCPU = dev.seccheck.abi.Signal.SIGXCPU;
    /** How long seccheck watches for the program to stop after a stop signal. */
    private static final long STOP_WATCH_MS = 2000;
    /** How many samples in a row must show the program stopped (a syscall stop is brief). */
    private static final int STOPPED_SAMPLES = 5;

    private final Supervisor supervisor;
    private final long graceNanos;
    private final AtomicInteger ending = new AtomicInteger();
    private final AtomicInteger endedBy = new AtomicInteger();
    private final AtomicBoolean cpuTimeLimit = new AtomicBoolean();

    /**
     * Signals received before the program's first process existed, each {sig, sender, senderUid},
     * delivered as it starts ({@link #deliverEarly}); guarded by itself, as is {@link #started}.
     */
    private final List<int[]> early = new ArrayList<>();
    private boolean started;

    RunSignals(Supervisor supervisor, long grace, TimeUnit unit) {
        this.supervisor = supervisor;
        this.graceNanos = unit.toNanos(grace);
        supervisor.whenStarted(pid -> deliverEarly());
    }

    /**
     * Keeps a signal that came before the program's first process existed, and returns true; false
     * once it exists. Before, such a signal was dropped (anything but INT and TERM: the program
     * then ran to its end, the run exiting 0) or halted the JVM (INT, TERM: the run's runtime
     * directory left behind). Kept, it reaches the program as it starts, before it runs an
     * instruction of its own, as it would reach a program started just before the signal. An INT
     * or a TERM still ends the run if the program never starts: the JVM halts after the grace
     * period.
     */
    private boolean keptForTheStart(int sig, int sender, int senderUid) {
        synchronized (early) {
            if (started) {
                return false;
            }
            early.add(new int[] {sig, sender, senderUid});
        }
        if (sig == SIGINT || sig == 15) {
            Thread.ofPlatform().daemon().name("seccheck-early-" + sig).start(() -> {
                try {
                    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(graceNanos));
                } catch (InterruptedException e) {
                    return;
                }
                if (supervisor.pid().isEmpty()) {
                    endedBy.compareAndSet(0, sig);
                    Runtime.getRuntime().halt(128 + sig); // the program never started: nothing to wait for
                }
            });
        }
        return true;
    }

    /** Delivers the signals kept before the program's first process existed, in the order they came. */
    private void deliverEarly() {
        List<int[]> kept;
        synchronized (early) {
            started = true;
            kept = List.copyOf(early);
            early.clear();
        }
        for (int[] k : kept) {
            received(k[0], k[1], k[2]);
        }
    }

    /**
     * Takes the kernel's SIGXCPU for seccheck's own CPU time from now on, then seccheck's own CPU
     * time limit ({@link CpuTimeLimit#takeOver}); returns the operator's limits. Early, before the
     * runtime directory exists: seccheck's start-up counts too.
     */
    CpuTimeLimit.Limits watchCpuTimeLimit() throws LinuxException {
        SignalForwarding.install(List.of("XCPU"), this::received);
        return CpuTimeLimit.takeOver();
    }

    /** Routes the forwardable signals the caller did not ignore to {@link #received}. */
    void install(CallerWorld caller) {
        SignalForwarding.install(forwarded(caller, jvmOptions()), this::received);
    }

    /**
     * Handles one signal as {@link SignalPipe} caught it: not forwarded, and ending nothing, when
     * the kernel sent it on its own and the program got it too ({@link #programGotIt}); else
     * forwarded as from its sender.
     */
    void received(SignalPipe.Caught c) {
        int sig = c.signal();
        if (sig == SIGXCPU && c.code() == SignalPipe.SI_KERNEL) {
            endForCpuTimeLimit(); // one a process sent (kill) is forwarded below
            return;
        }
        if (c.fromTerminal() && programGotIt(sig)) {
            if (isStop(sig)) {
                int pid = supervisor.pid().orElse(0);
                Thread.ofPlatform().daemon().name("seccheck-job").start(() -> stopOnceStopped(pid));
            }
            return;
        }
        received(sig, c.sender(), c.senderUid());
    }

    /**
     * Whether the program's first process got the signal {@code sig} the kernel sent this process
     * on its own: it did if it is in this process's group (a terminal's signals go to the whole
     * foreground group), except for a hangup's HUP and CONT when this process leads its session
     * (they go to the leader alone).
     */
    private boolean programGotIt(int sig) {
        int pid = supervisor.pid().orElse(0);
        if (pid == 0) {
            return false;
        }
        try {
            String[] self = dev.seccheck.linux.Procfs.statFieldsAfterComm((int) ProcessHandle.current().pid());
            String[] program = dev.seccheck.linux.Procfs.statFieldsAfterComm(pid);
            boolean leader = self[SESSION].equals(Long.toString(ProcessHandle.current().pid()));
            if ((sig == SIGHUP || sig == SIGCONT) && leader) {
                return false;
            }
            return program[PGRP].equals(self[PGRP]);
        } catch (java.io.IOException | RuntimeException e) {
            return false; // gone, or unreadable: forwarded, as before
        }
    }

    /**
     * The signals to forward: {@link #FORWARDED} but those the caller ignored, and but USR2 when
     * the JVM's options (its command line and the option variables it reads) start a flight
     * recording, whose method sampler suspends threads with USR2.
     */
    static List<String> forwarded(CallerWorld caller, List<String> jvmOptions) {
        boolean recording = jvmOptions.stream().anyMatch(o -> o.contains("FlightRecording"));
        return FORWARDED.stream()
                .filter(n -> !caller.ignores(SignalForwarding.number(n)))
                .filter(n -> !(recording && n.equals("USR2")))
                .toList();
    }

    /** This JVM's command line and the contents of JAVA_TOOL_OPTIONS and JDK_JAVA_OPTIONS. */
    static List<String> jvmOptions() {
        List<String> options = new ArrayList<>(
                ProcessHandle.current().info().arguments().map(List::of).orElse(List.of()));
        for (String variable : List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS")) {
            String value = System.getenv(variable);
            if (value != null) {
                options.add(value);
            }
        }
        return options;
    }

    /**
     * Handles one signal that process {@code sender} (0: not known) of uid {@code senderUid} sent
     * (on the signal thread; it must not block). The program's first process gets it as from that
     * sender, and once even when the sender signalled seccheck's whole group, the program in it
     * ({@link Supervisor#forward}).
     */
    private void received(int sig, int sender, int senderUid) {
        if (keptForTheStart(sig, sender, senderUid)) {
            return;
        }
        boolean ends = sig == SIGINT || sig == 15;
        if (isStop(sig)) {
            if (supervisor.forward(sig, sender, senderUid)) {
                int pid = supervisor.pid().orElse(0);
                Thread.ofPlatform().daemon().name("seccheck-job").start(() -> stopOnceStopped(pid));
            }
            return;
        }
        if (!ends) {
            supervisor.forward(sig, sender, senderUid);
            return;
        }
        int before = ending.getAndIncrement();
        if (before > 0) {
            if (sig == SIGINT) {
                killAll(sig);
            }
            return;
        }
        if (!supervisor.forward(sig, sender, senderUid)) {
            signalAll(sig); // the first process is gone: the ones it left get the signal
        }
        Thread.ofPlatform().daemon().name("seccheck-grace").start(() -> {
            long deadline = System.nanoTime() + graceNanos;
            while (System.nanoTime() < deadline && !supervisor.processes().isEmpty()) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
            if (!supervisor.processes().isEmpty()) {
                killAll(sig);
            }
        });
    }

    static boolean isStop(int sig) {
        return sig == 20 || sig == 21 || sig == 22;
    }

    /**
     * Stops this process once {@code pid} shows stopped ({@code T}, or {@code t} under ptrace) in
     * {@link #STOPPED_SAMPLES} samples in a row, watching for {@link #STOP_WATCH_MS} ms.
     */
    static void stopOnceStopped(int pid) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_WATCH_MS);
        int seen = 0;
        while (System.nanoTime() < deadline) {
            seen = stopped(pid) ? seen + 1 : 0;
            if (seen >= STOPPED_SAMPLES) {
                kill((int) ProcessHandle.current().pid(), SIGSTOP);
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Whether /proc shows {@code pid} stopped: the first field after its name is T, or t under ptrace. */
    private static boolean stopped(int pid) {
        try {
            String state = dev.seccheck.linux.Procfs.statFieldsAfterComm(pid)[0];
            return state.equals("T") || state.equals("t");
        } catch (java.io.IOException | RuntimeException e) {
            return false; // gone: nothing to follow
        }
    }

    /**
     * seccheck's own CPU time reached the soft limit it took: the job is over the operator's
     * limit. Kills every process of the run, and the program's first process as soon as it is
     * attached if it is not yet. The kernel repeats the signal each second until the hard limit:
     * the first one alone counts.
     */
    private void endForCpuTimeLimit() {
        if (!cpuTimeLimit.compareAndSet(false, true)) {
            return;
        }
        killEverything();
        // Through the tracer's pidfd (Supervisor.signal): the first process may be gone by then.
        supervisor.whenStarted(pid -> supervisor.signal(SIGKILL));
    }

    /** Whether the run ended because seccheck's own CPU time reached its limit ({@link #endForCpuTimeLimit}). */
    boolean cpuTimeLimitReached() {
        return cpuTimeLimit.get();
    }

    /** Returns the signal for which seccheck killed what the run supervised, or 0 if it did not. */
    int endedBy() {
        return endedBy.get();
    }

    private void killAll(int sig) {
        endedBy.compareAndSet(0, sig);
        killEverything();
    }

    private void killEverything() {
        for (int pid : supervisor.processes()) {
            kill(pid, SIGKILL);
        }
    }

    private void signalAll(int sig) {
        for (int pid : supervisor.processes()) {
            kill(pid, sig);
        }
    }

    private static void kill(int pid, int sig) {
        try {
            dev.seccheck.linux.Signals.kill(pid, sig);
        } catch (dev.seccheck.linux.LinuxException e) {
            // Gone already: nothing left to end.
        }
    }
}

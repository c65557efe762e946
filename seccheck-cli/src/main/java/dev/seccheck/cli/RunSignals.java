package dev.seccheck.cli;

import dev.seccheck.linux.CallerWorld;
import dev.seccheck.sentry.Supervisor;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * RunSignals decides what a signal sent to {@code seccheck run} does. Every forwardable signal
 * the caller did not ignore goes to the program. TERM and INT also end the run: the program
 * (or, once its first process is gone, every process left) gets the signal first, and whatever
 * still runs after the grace period is killed; a second INT kills at once; a run whose program
 * never started ends at once. Then {@link #endedBy} names the signal, and the run's exit status
 * is 128 plus its number, as a shell reports a command killed by it.
 */
final class RunSignals {

    /** Forwarded to the program; the JVM keeps QUIT (thread dumps) and USR2 (its own use). */
    static final List<String> FORWARDED = List.of("HUP", "INT", "TERM", "USR1", "WINCH", "CONT");
    private static final int SIGKILL = 9;
    private static final int SIGINT = 2;

    private final Supervisor supervisor;
    private final long graceNanos;
    private final AtomicInteger ending = new AtomicInteger();
    private final AtomicInteger endedBy = new AtomicInteger();

    RunSignals(Supervisor supervisor, long grace, TimeUnit unit) {
        this.supervisor = supervisor;
        this.graceNanos = unit.toNanos(grace);
    }

    /** Routes the forwardable signals the caller did not ignore to {@link #received}. */
    void install(CallerWorld caller) {
        SignalForwarding.install(FORWARDED.stream().filter(n -> !caller.ignores(SignalForwarding.number(n))).toList(),
                this::received);
    }

    /** Handles one signal (on the JVM's signal thread; it must not block). */
    void received(int sig) {
        boolean ends = sig == SIGINT || sig == 15;
        if (!ends) {
            supervisor.signal(sig);
            return;
        }
        if (supervisor.pid().isEmpty()) {
            // Nothing started: nothing to forward to, nothing to wait for.
            endedBy.compareAndSet(0, sig);
            Runtime.getRuntime().halt(128 + sig);
        }
        int before = ending.getAndIncrement();
        if (before > 0) {
            if (sig == SIGINT) {
                killAll(sig);
            }
            return;
        }
        if (!supervisor.signal(sig)) {
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

    /** Returns the signal for which seccheck killed what the run supervised, or 0 if it did not. */
    int endedBy() {
        return endedBy.get();
    }

    private void killAll(int sig) {
        endedBy.compareAndSet(0, sig);
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

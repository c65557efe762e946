package dev.seccheck.linux;

import dev.seccheck.abi.Signal;

/**
 * WaitStatus is what waitpid(2) reported for one task: it exited, was killed by a signal, or
 * stopped (a signal-delivery stop, a group stop, or a ptrace event stop).
 */
public sealed interface WaitStatus {

    /** The task that changed state. */
    int tid();

    /** The raw status word, as wait() reports it to a parent. */
    int raw();

    /** The task exited with {@code code}. */
    record Exited(int tid, int raw, int code) implements WaitStatus {}

    /** The task was killed by {@code signal}. */
    record Signaled(int tid, int raw, int signal) implements WaitStatus {}

    /**
     * The task stopped with {@code signal}; {@code event} is the PTRACE_EVENT_* (0 for none);
     * {@code syscallStop} marks a syscall stop (signal SIGTRAP|0x80 with TRACESYSGOOD).
     */
    record Stopped(int tid, int raw, int signal, int event, boolean syscallStop) implements WaitStatus {}

    /** Decodes a waitpid status word. */
    static WaitStatus decode(int tid, int status) {
        int low = status & 0x7f;
        if (low == 0) {
            return new Exited(tid, status, (status >> 8) & 0xff);
        }
        if ((status & 0xff) == 0x7f) {
            int sig = (status >> 8) & 0xff;
            return new Stopped(tid, status, sig & 0x7f, (status >> 16) & 0xff, sig == (Signal.SIGTRAP | 0x80));
        }
        return new Signaled(tid, status, low);
    }
}

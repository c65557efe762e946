package dev.seccheck.sentry.filter;

import dev.seccheck.abi.Sysno;

/**
 * ExecTrap is the filter that keeps a spawned child from running its program unattached: on the
 * spawning thread (inherited by the child), it traces the one execve whose path argument is the
 * spawner's own path string and falls through for every other syscall. An execve traced by no
 * one fails with ENOSYS, so the child cannot execute unless the tracer has seized it, whatever
 * released it from its hold. Nothing JVM code does matches, and the filter has no listener, so the
 * spawning thread may go on running JVM code and end. The pointer is only compared, never
 * dereferenced. Another process's execve can match only by passing a path pointer with the same
 * 64-bit value; it then makes one seccomp stop that the tracer continues.
 */
public final class ExecTrap {
    private ExecTrap() {}

    /** Returns the trap for the execve whose {@code args[0]} equals {@code pathPointer}. */
    public static Fragment fragment(long pathPointer) {
        Assembler a = new Assembler();
        Assembler.Label other = a.label();
        a.load(SeccompData.NR);
        a.jump(Bpf.Cond.EQ, Sysno.EXECVE, null, other);
        a.load(SeccompData.argLow(0));
        a.jump(Bpf.Cond.EQ, (int) pathPointer, null, other);
        a.load(SeccompData.argHigh(0));
        a.jump(Bpf.Cond.EQ, (int) (pathPointer >>> 32), null, other);
        a.ret(TraceTag.RET);
        a.bind(other);
        return a.fragment();
    }
}

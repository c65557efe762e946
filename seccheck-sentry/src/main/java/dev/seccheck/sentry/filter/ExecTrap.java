package dev.seccheck.sentry.filter;

import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Seccomp;

/**
 * ExecTrap is the filter fragment that lets the tracer attach to a spawned child before its
 * program runs: on the spawning thread's filter (inherited by the child), it holds for the
 * listener the one execve whose path argument is the spawner's own path string, and falls
 * through for every other syscall. The pointer is only compared, never dereferenced. Another
 * process's execve can match only by passing a path pointer with the same 64-bit value; it is
 * then merely held until the listener continues it.
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
        a.ret(Seccomp.RET_USER_NOTIF);
        a.bind(other);
        return a.fragment();
    }
}

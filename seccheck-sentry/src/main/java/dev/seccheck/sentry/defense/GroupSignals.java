package dev.seccheck.sentry.defense;

import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Procfs;
import java.io.IOException;

/**
 * GroupSignals decides the signals a supervised program sends to its own process group
 * ({@code kill(0, sig)}), which {@link Guard} holds for the supervisor instead of answering in
 * BPF: the program stays in the process group of whoever started seccheck, so that job control
 * and the terminal behave as natively, and seccheck is in that group too. A filter cannot see
 * the caller's group, so the supervisor looks it up: a caller still in seccheck's group is
 * refused with EPERM (its signal would reach seccheck), any other goes on. Once out of
 * seccheck's group a program cannot come back ({@link Guard} refuses {@code setpgid} into it),
 * so the look-up cannot be raced by a thread moving its process back before the signal is sent.
 *
 * @param supervisorGroup seccheck's process group id
 */
public record GroupSignals(int supervisorGroup) {

    /** Returns whether a held syscall is one the guard holds for this check: kill or rt_sigqueueinfo of pid 0. */
    public static boolean held(int nr, long pidArg) {
        return (nr == Sysno.KILL || nr == Sysno.RT_SIGQUEUEINFO) && (int) pidArg == 0;
    }

    /**
     * Returns whether the signal of task {@code tid} to its own group would reach seccheck: it is
     * in seccheck's group, or its group cannot be read (then it is refused: fail closed).
     */
    public boolean reachesSupervisor(int tid) {
        try {
            return Integer.parseInt(Procfs.statFieldsAfterComm(tid)[2]) == supervisorGroup;
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }
}

package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;

/**
 * ProcessAttributes reads and sets attributes of this whole process that decide who else may
 * reach it: its dumpable flag (prctl {@code PR_SET_DUMPABLE}; a process that is not dumpable
 * cannot be ptraced, read through {@code process_vm_readv} or {@code /proc/PID/mem}, nor have its
 * fds copied with {@code pidfd_getfd}, by anyone without CAP_SYS_PTRACE) and its process group.
 */
public final class ProcessAttributes {
    private ProcessAttributes() {}

    /** prctl option that sets the dumpable flag. */
    public static final int PR_SET_DUMPABLE = 4;
    /** prctl option that reads the dumpable flag. */
    public static final int PR_GET_DUMPABLE = 3;

    /** Sets whether this process is dumpable (the flag belongs to the address space: every thread). */
    public static void setDumpable(boolean dumpable) throws LinuxException {
        int value = dumpable ? 1 : 0;
        Syscalls.call(Sysno.PRCTL, PR_SET_DUMPABLE, value, 0, "prctl", () -> "PR_SET_DUMPABLE, " + value);
    }

    /** Returns whether this process is dumpable by its owner. */
    public static boolean dumpable() throws LinuxException {
        return Syscalls.call(Sysno.PRCTL, PR_GET_DUMPABLE, 0, 0, "prctl", () -> "PR_GET_DUMPABLE") == 1;
    }

    /** Returns this process's real user id (getuid(2), which cannot fail). */
    public static int realUid() {
        return (int) Direct.call(Sysno.GETUID, 0, 0, 0, 0);
    }

    /** Returns this process's process group id. */
    public static int processGroup() throws LinuxException {
        return (int) Syscalls.call(Sysno.GETPGRP, 0, 0, 0, "getpgrp", () -> "");
    }
}

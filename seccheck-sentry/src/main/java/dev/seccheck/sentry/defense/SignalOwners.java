package dev.seccheck.sentry.defense;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.sentry.syscalls.MemoryFault;
import dev.seccheck.sentry.syscalls.TaskMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalInt;

/**
 * SignalOwners keeps the kernel from signalling seccheck for the program. A file's owner gets
 * its SIGIO and SIGURG, or whatever signal {@code F_SETSIG} names (SIGKILL and SIGSTOP among
 * them), and the kernel lets a process make any process of its user, or its own process group,
 * the owner: seccheck, or the group the program shares with it, would be killed or stopped by a
 * write to a pipe. {@link Guard} refuses {@code fcntl(F_SETOWN)} aimed at seccheck's group or at
 * a thread it lists in BPF, and holds it when it names any other task (a thread the JVM started
 * since the filter was built may be seccheck's); the three calls that name the owner in memory
 * ({@code fcntl(F_SETOWN_EX)}, {@code ioctl(FIOSETOWN)}, {@code ioctl(SIOCSPGRP)}) it holds
 * whatever they name, and this decides them all.
 *
 * <p>An owner named in memory is read before the kernel reads it again: another thread of the
 * program may rewrite it in between and still aim a file's signals at seccheck. That can only end
 * supervision (seccheck killed or stopped), which stops or kills every supervised task: fail
 * closed (README, "Security").
 *
 * @param guard whose pid, process group and threads are seccheck's
 * @param targets which tasks are seccheck's threads now, the JVM's later ones included
 */
public record SignalOwners(Guard guard, SignalTargets targets) {

    /** fcntl's command that sets a file's owner: a pid, or a process group negated. */
    static final int F_SETOWN = 8;
    /** fcntl's command that sets a file's owner from a {@code struct f_owner_ex {int type; pid_t pid;}}. */
    static final int F_SETOWN_EX = 15;
    /** The socket ioctls that set the owner from an int in memory, as F_SETOWN's argument. */
    static final int FIOSETOWN = 0x8901;
    static final int SIOCSPGRP = 0x8902;
    private static final int F_OWNER_TID = 0;
    private static final int F_OWNER_PID = 1;
    private static final int F_OWNER_PGRP = 2;

    /** Returns whether a held syscall is one the guard holds for this check. */
    public static boolean held(int nr, long arg1) {
        int cmd = (int) arg1;
        return (nr == Sysno.FCNTL && (cmd == F_SETOWN || cmd == F_SETOWN_EX))
                || (nr == Sysno.IOCTL && (cmd == FIOSETOWN || cmd == SIOCSPGRP));
    }

    /**
     * Returns the errno the held call of task {@code callerTid} is refused with: EPERM when the
     * owner it names is seccheck, one of its threads, or its process group; EFAULT when the owner
     * cannot be read, and ESRCH when it names no task (the kernel's own answers then, given here
     * so that no thread of seccheck can take that number before the kernel looks). Empty to let
     * the call go on.
     */
    public OptionalInt refusal(int callerTid, int nr, long arg1, long arg2, TaskMemory memory) {
        int type;
        int id;
        boolean inMemory = !(nr == Sysno.FCNTL && (int) arg1 == F_SETOWN);
        ByteBuffer owner = null;
        if (inMemory) {
            try {
                owner = ByteBuffer.wrap(memory.read(arg2, nr == Sysno.FCNTL ? 8 : 4)).order(ByteOrder.LITTLE_ENDIAN);
            } catch (MemoryFault e) {
                return OptionalInt.of(Errno.EFAULT);
            }
        }
        if (nr == Sysno.FCNTL && inMemory) { // F_SETOWN_EX: {type, pid}
            type = owner.getInt(0);
            id = owner.getInt(4);
        } else { // F_SETOWN's argument, FIOSETOWN's and SIOCSPGRP's int: a pid, or a group negated
            int pidOrGroup = inMemory ? owner.getInt(0) : (int) arg2;
            type = pidOrGroup < 0 ? F_OWNER_PGRP : F_OWNER_PID;
            id = Math.abs(pidOrGroup);
        }
        if (type == F_OWNER_PGRP) {
            return isSupervisorGroup(id) ? OptionalInt.of(Errno.EPERM) : OptionalInt.empty();
        }
        if ((type != F_OWNER_TID && type != F_OWNER_PID) || id <= 0) {
            return OptionalInt.empty(); // no owner, or a type or number the kernel refuses itself (EINVAL)
        }
        if (guard.supervisorTids().contains(id)) {
            return OptionalInt.of(Errno.EPERM);
        }
        return targets.ofTask(callerTid, id).map(r -> OptionalInt.of(r.errno())).orElse(OptionalInt.empty());
    }

    private boolean isSupervisorGroup(int pgid) {
        return guard.groupNamed() && pgid == guard.processGroup() || pgid == guard.supervisorPid();
    }
}

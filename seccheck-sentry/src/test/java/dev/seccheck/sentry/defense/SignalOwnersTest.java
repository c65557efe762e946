package dev.seccheck.sentry.defense;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.sentry.syscalls.MemoryFault;
import dev.seccheck.sentry.syscalls.TaskMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The owners {@link SignalOwners} refuses: seccheck, its threads (those the filter lists and a
 * later one), its group. This JVM plays seccheck; a child process plays the calling task.
 */
class SignalOwnersTest {

    private static final int SELF = JvmThreads.PID;
    private static final int PGID = 4990;
    private static final int LISTED = 7000;
    private static final int F_SETOWN = 8;
    private static final int F_SETOWN_EX = 15;
    private final SignalOwners owners = new SignalOwners(new Guard(SELF, PGID, Set.of(LISTED), false), new SignalTargets(SELF));
    private Process caller;
    private Process other;
    private int callerTid;
    private int otherPid;
    private int gonePid;

    @BeforeEach
    void tasks() throws Exception {
        caller = new ProcessBuilder("sleep", "30").start();
        other = new ProcessBuilder("sleep", "30").start();
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        callerTid = (int) caller.pid();
        otherPid = (int) other.pid();
        gonePid = (int) gone.pid();
    }

    @AfterEach
    void end() throws Exception {
        caller.destroyForcibly().waitFor();
        other.destroyForcibly().waitFor();
    }

    /** Memory holding {@code ints} at address 0x1000, little-endian; any other address faults. */
    private static TaskMemory holding(int... ints) {
        ByteBuffer b = ByteBuffer.allocate(4 * ints.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i : ints) {
            b.putInt(i);
        }
        return new TaskMemory() {
            @Override
            public byte[] read(long addr, int len) throws MemoryFault {
                if (addr != 0x1000 || len > b.capacity()) {
                    throw new MemoryFault(addr, "not mapped");
                }
                return Arrays.copyOf(b.array(), len);
            }

            @Override
            public String readString(long addr, int max) throws MemoryFault {
                throw new MemoryFault(addr, "not mapped");
            }
        };
    }

    private OptionalInt ex(int type, int id) {
        return owners.refusal(callerTid, Sysno.FCNTL, F_SETOWN_EX, 0x1000, holding(type, id));
    }

    @Test
    void fSetownExNamingSeccheckItsThreadsOrItsGroupIsRefused() throws Exception {
        assertThat(ex(1, SELF)).as("F_OWNER_PID seccheck").hasValue(Errno.EPERM);
        assertThat(ex(0, LISTED)).as("F_OWNER_TID a listed thread").hasValue(Errno.EPERM);
        assertThat(ex(0, JvmThreads.notTheMain())).as("F_OWNER_TID a later thread").hasValue(Errno.EPERM);
        assertThat(ex(2, PGID)).as("F_OWNER_PGRP its group").hasValue(Errno.EPERM);
        assertThat(ex(1, otherPid)).as("another process").isEmpty();
        assertThat(ex(1, callerTid)).as("the caller").isEmpty();
        assertThat(ex(2, 1234)).as("another group").isEmpty();
        assertThat(ex(1, gonePid)).as("no task: the kernel's answer").hasValue(Errno.ESRCH);
        assertThat(ex(3, SELF)).as("a type the kernel refuses").isEmpty();
        assertThat(owners.refusal(callerTid, Sysno.FCNTL, F_SETOWN_EX, 0x2000, holding(1, SELF))).as("unreadable")
                .hasValue(Errno.EFAULT);
    }

    @Test
    void fSetownNamingAThreadTheFilterCouldNotListIsRefused() throws Exception {
        assertThat(owners.refusal(callerTid, Sysno.FCNTL, F_SETOWN, JvmThreads.notTheMain(), null)).hasValue(Errno.EPERM);
        assertThat(owners.refusal(callerTid, Sysno.FCNTL, F_SETOWN, otherPid, null)).isEmpty();
        assertThat(owners.refusal(callerTid, Sysno.FCNTL, F_SETOWN, gonePid, null)).hasValue(Errno.ESRCH);
        assertThat(owners.refusal(callerTid, Sysno.FCNTL, F_SETOWN, -PGID, null)).hasValue(Errno.EPERM);
        assertThat(SignalOwners.held(Sysno.FCNTL, F_SETOWN)).isTrue();
    }

    @Test
    void fiosetownNamingSeccheckOrItsGroupIsRefused() throws Exception {
        assertThat(owners.refusal(callerTid, Sysno.IOCTL, 0x8901, 0x1000, holding(SELF))).hasValue(Errno.EPERM);
        assertThat(owners.refusal(callerTid, Sysno.IOCTL, 0x8901, 0x1000, holding(JvmThreads.notTheMain()))).hasValue(Errno.EPERM);
        assertThat(owners.refusal(callerTid, Sysno.IOCTL, 0x8901, 0x1000, holding(-PGID))).hasValue(Errno.EPERM);
        assertThat(owners.refusal(callerTid, Sysno.IOCTL, 0x8901, 0x1000, holding(otherPid))).isEmpty();
        assertThat(owners.refusal(callerTid, Sysno.IOCTL, 0x8901, 0x1000, holding(0))).as("no owner").isEmpty();
        assertThat(SignalOwners.held(Sysno.FCNTL, F_SETOWN_EX)).isTrue();
        assertThat(SignalOwners.held(Sysno.IOCTL, 0x8902)).isTrue();
    }

}

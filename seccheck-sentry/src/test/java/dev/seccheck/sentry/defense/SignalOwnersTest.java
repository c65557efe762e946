package dev.seccheck.sentry.defense;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.sentry.syscalls.MemoryFault;
import dev.seccheck.sentry.syscalls.TaskMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The owners named in memory that {@link SignalOwners} refuses: seccheck, its threads, its group. */
class SignalOwnersTest {

    private static final int SELF = 5000;
    private static final int PGID = 4990;
    private final SignalOwners owners = new SignalOwners(new Guard(SELF, PGID, Set.of(5001, 7000), false));

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

    @Test
    void fSetownExNamingSeccheckItsThreadsOrItsGroupIsRefused() {
        assertThat(owners.refusal(Sysno.FCNTL, 0x1000, holding(1, SELF))).as("F_OWNER_PID seccheck").hasValue(Errno.EPERM);
        assertThat(owners.refusal(Sysno.FCNTL, 0x1000, holding(0, 7000))).as("F_OWNER_TID a thread").hasValue(Errno.EPERM);
        assertThat(owners.refusal(Sysno.FCNTL, 0x1000, holding(2, PGID))).as("F_OWNER_PGRP its group").hasValue(Errno.EPERM);
        assertThat(owners.refusal(Sysno.FCNTL, 0x1000, holding(1, 1234))).as("another process").isEmpty();
        assertThat(owners.refusal(Sysno.FCNTL, 0x1000, holding(2, 1234))).as("another group").isEmpty();
        assertThat(owners.refusal(Sysno.FCNTL, 0x2000, holding(1, SELF))).as("unreadable").hasValue(Errno.EFAULT);
    }

    @Test
    void fiosetownNamingSeccheckOrItsGroupIsRefused() {
        assertThat(owners.refusal(Sysno.IOCTL, 0x1000, holding(SELF))).hasValue(Errno.EPERM);
        assertThat(owners.refusal(Sysno.IOCTL, 0x1000, holding(-PGID))).hasValue(Errno.EPERM);
        assertThat(owners.refusal(Sysno.IOCTL, 0x1000, holding(1234))).isEmpty();
        assertThat(owners.refusal(Sysno.IOCTL, 0x1000, holding(0))).as("no owner").isEmpty();
        assertThat(SignalOwners.held(Sysno.FCNTL, 15)).isTrue();
        assertThat(SignalOwners.held(Sysno.FCNTL, 8)).as("F_SETOWN: the filter decides").isFalse();
        assertThat(SignalOwners.held(Sysno.IOCTL, 0x8902)).isTrue();
    }
}

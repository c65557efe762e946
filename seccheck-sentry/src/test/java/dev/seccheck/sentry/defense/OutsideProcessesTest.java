package dev.seccheck.sentry.defense;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.sentry.syscalls.MemoryFault;
import dev.seccheck.sentry.syscalls.TaskMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@link OutsideProcesses}: a call aimed at no process, or at one outside the run, is answered as
 * the kernel answers it before it looks for the process (the kernel's order is what the fuzz test
 * {@code guard_fuzz.c} compares natively and under seccheck).
 */
class OutsideProcessesTest {

    /** A pid above the kernel's pid_max: no process has it, or ever will. */
    private static final int NONE = 0x7fffffff;
    /** The task's memory: 4 KiB at 0x1000, readable; nothing else. */
    private final byte[] page = new byte[4096];
    private final TaskMemory memory = new TaskMemory() {
        @Override
        public byte[] read(long addr, int len) throws MemoryFault {
            if (addr < 0x1000 || addr + len > 0x2000) {
                throw new MemoryFault(addr, "not mapped");
            }
            return Arrays.copyOfRange(page, (int) addr - 0x1000, (int) addr - 0x1000 + len);
        }

        @Override
        public String readString(long addr, int max) throws MemoryFault {
            throw new MemoryFault(addr, "not read here");
        }
    };

    /** Puts iovecs (base, length pairs) at {@code addr}. */
    private void iovecs(long addr, long... pairs) {
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < pairs.length; i++) {
            b.putLong((int) (addr - 0x1000) + 8 * i, pairs[i]);
        }
    }

    private OptionalInt vm(int pid, long lvec, long lcount, long rvec, long rcount, long flags) {
        return OutsideProcesses.refusal(new SeccompNotification(1, 1, Sysno.PROCESS_VM_READV, 0, 0, pid, lvec, lcount,
                rvec, rcount, flags), memory);
    }

    @Test
    void aProcessVmCallOfNoProcessGetsTheKernelsChecksOfItsArgumentsFirst() {
        iovecs(0x1000, 0x1800, 16); // local: 16 bytes
        iovecs(0x1100, 0x4000, 16); // remote: 16 bytes
        iovecs(0x1200, 0x1800, -1); // a negative length
        iovecs(0x1300, 0xffff_8000_0000_0000L, 16); // a range in the kernel's half
        iovecs(0x1400, 0x1800, 0, 0x1800, 0); // two ranges of no byte
        assertThat(vm(NONE, 0x1000, 1, 0x1100, 1, 0)).hasValue(Errno.ESRCH);
        assertThat(vm(NONE, 0x1000, 1, 0x1100, 1, 1)).as("flags").hasValue(Errno.EINVAL);
        assertThat(vm(NONE, 0x1000, 1025, 0x1100, 1, 0)).as("too many local").hasValue(Errno.EINVAL);
        assertThat(vm(NONE, 0x1000, 1, 0x1100, 1025, 0)).as("too many remote").hasValue(Errno.EINVAL);
        assertThat(vm(NONE, 0x8000, 1, 0x1100, 1, 0)).as("local array unreadable").hasValue(Errno.EFAULT);
        assertThat(vm(NONE, 0x1000, 1, 0x8000, 1, 0)).as("remote array unreadable").hasValue(Errno.EFAULT);
        assertThat(vm(NONE, 0x1200, 1, 0x8000, 1, 0)).as("a negative local length first").hasValue(Errno.EINVAL);
        assertThat(vm(NONE, 0x1300, 1, 0x1100, 1, 0)).as("local range in the kernel").hasValue(Errno.EFAULT);
        assertThat(vm(NONE, 0x1000, 1, 0x1300, 1, 0)).as("a remote range is not checked").hasValue(Errno.ESRCH);
        assertThat(vm(NONE, 0x1400, 2, 0x8000, 1, 0)).as("no local byte: 0, nothing looked at").hasValue(0);
        assertThat(vm(NONE, 0x1000, 0, 0x8000, 1, 0)).as("no local iovec").hasValue(0);
        assertThat(vm(NONE, 0x1000, 1, 0x1400, 2, 0)).as("no remote byte").hasValue(0);
    }

    @Test
    void aLoneLocalRangeIsCutToTheMostOneCallMovesBeforeItIsChecked() {
        // 3 GiB from just below the top: cut to MAX_RW_COUNT alone it fits, with a second range it does not.
        iovecs(0x1000, 0x7fff_7000_0000L, 3L << 30, 0x1800, 0);
        iovecs(0x1100, 0x4000, 16);
        assertThat(vm(NONE, 0x1000, 1, 0x1100, 1, 0)).hasValue(Errno.ESRCH);
        assertThat(vm(NONE, 0x1000, 2, 0x1100, 1, 0)).hasValue(Errno.EFAULT);
    }

    @Test
    void aLimitOfNoProcessIsCopiedFirst() {
        OptionalInt unreadable = OutsideProcesses.refusal(
                new SeccompNotification(1, 1, Sysno.PRLIMIT64, 0, 0, NONE, 4, 0x8000, 0, 0, 0), memory);
        OptionalInt readable = OutsideProcesses.refusal(
                new SeccompNotification(1, 1, Sysno.PRLIMIT64, 0, 0, NONE, 4, 0x1000, 0, 0, 0), memory);
        OptionalInt none = OutsideProcesses.refusal(
                new SeccompNotification(1, 1, Sysno.PRLIMIT64, 0, 0, NONE, 99, 0x1000, 0, 0, 0), memory);
        OptionalInt reading = OutsideProcesses.refusal(
                new SeccompNotification(1, 1, Sysno.PRLIMIT64, 0, 0, NONE, 99, 0, 0x1000, 0, 0), memory);
        assertThat(unreadable).hasValue(Errno.EFAULT);
        assertThat(readable).hasValue(Errno.ESRCH);
        assertThat(none).as("the resource is checked after the look-up").hasValue(Errno.ESRCH);
        assertThat(reading).as("no new limit: a read, the kernel's to answer").isEmpty();
    }

    /**
     * A pid whose status cannot be read while seccheck's descriptor table is full counts as
     * outside the run: before, it counted as no process, and the walk into /proc/PID/ went on
     * once a slot came free (a program keeping the table full read an outside process's environ).
     */
    @Test
    void aProcessWhoseStatusCannotBeReadForWantOfDescriptorsCountsAsOutside() {
        PathCalls calls = new PathCalls();
        long limit = calls.softLimit(0, PathCalls.RLIMIT_NOFILE);
        Assumptions.assumeTrue(limit > 0 && limit <= 4_000_000, "a descriptor limit this test can fill: " + limit);
        int init = 1;
        assertThat(OutsideProcesses.outsideTheRun(init)).as("init, read").isTrue();
        assertThat(OutsideProcesses.outsideTheRun(NONE)).as("no process").isFalse();
        new LinuxException("loaded before the table is full", Errno.EMFILE).errno();
        List<Integer> filler = new ArrayList<>();
        boolean whileFull;
        boolean noneWhileFull;
        try {
            while (true) {
                int fd = calls.openat(Fcntl.AT_FDCWD, "/dev/null", Fcntl.O_RDONLY | Fcntl.O_CLOEXEC);
                if (fd < 0) {
                    assertThat(fd).isEqualTo(-Errno.EMFILE);
                    break;
                }
                filler.add(fd);
            }
            whileFull = OutsideProcesses.outsideTheRun(init);
            noneWhileFull = OutsideProcesses.outsideTheRun(NONE);
        } finally {
            filler.forEach(PathCalls::close);
        }
        assertThat(whileFull).as("init, unreadable for want of descriptors").isTrue();
        assertThat(noneWhileFull).as("no process, unreadable: refused too").isTrue();
    }

    @Test
    void aProcessOutsideTheRunIsRefusedOnlyWhereTheKernelWouldLookForIt() {
        iovecs(0x1000, 0x1800, 16);
        iovecs(0x1100, 0x4000, 16);
        assertThat(vm(1, 0x1000, 1, 0x1100, 1, 0)).as("init, outside the run").hasValue(Errno.EPERM);
        assertThat(vm(1, 0x1000, 1, 0x1100, 1, 1)).as("flags").hasValue(Errno.EINVAL);
        assertThat(vm(0, 0x1000, 1, 0x1100, 1, 0)).as("no pid: the kernel's").isEmpty();
    }
}

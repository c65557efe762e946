package dev.seccheck.sentry.syscalls;

import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_NONBLOCK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.proto.syscall.Eventfd;
import dev.seccheck.proto.syscall.InotifyAddWatch;
import dev.seccheck.proto.syscall.InotifyInit;
import dev.seccheck.proto.syscall.InotifyRmWatch;
import dev.seccheck.proto.syscall.Pipe;
import dev.seccheck.proto.syscall.Signalfd;
import dev.seccheck.proto.syscall.TimerfdCreate;
import dev.seccheck.proto.syscall.TimerfdGetTime;
import dev.seccheck.proto.syscall.TimerfdSetTime;
import org.junit.jupiter.api.Test;

class FdCreatorCallsTest {
    private static final int CLOCK_MONOTONIC = 1;
    private static final int IN_MODIFY = 2;

    private final Decoding d = new Decoding();

    @Test
    void pipeReadsItsFdsAfterSuccess() {
        long fds = d.mem.ints(3, 4);
        Pipe enter = d.enter("pipe", fds);
        assertThat(enter.getSysno()).isEqualTo(22);
        assertThat(enter.getReader()).isZero();
        Pipe exit = d.exit("pipe", 0, fds);
        assertThat(exit.getReader()).isEqualTo(3);
        assertThat(exit.getWriter()).isEqualTo(4);
        assertThat(exit.getFlags()).isZero();
        Pipe failed = d.exit("pipe", -24, fds);
        assertThat(failed.getReader()).isZero();
        assertThat(failed.getExit().getErrorno()).isEqualTo(24);
    }

    @Test
    void pipe2CarriesFlags() {
        long fds = d.mem.ints(5, 6);
        Pipe m = d.exit("pipe2", 0, fds, O_CLOEXEC);
        assertThat(m.getSysno()).isEqualTo(293);
        assertThat(m.getFlags()).isEqualTo(O_CLOEXEC);
        assertThat(m.getReader()).isEqualTo(5);
        assertThat(m.getWriter()).isEqualTo(6);
        Pipe unreadable = d.exit("pipe2", 0, 0xdead_0000L, O_CLOEXEC);
        assertThat(unreadable.getWriter()).isZero();
        assertThat(unreadable.getFlags()).isEqualTo(O_CLOEXEC);
    }

    @Test
    void eventfdAndEventfd2() {
        Eventfd e1 = d.exit("eventfd", 3, 7);
        assertThat(e1.getSysno()).isEqualTo(284);
        assertThat(e1.getVal()).isEqualTo(7);
        assertThat(e1.getFlags()).isZero();
        Eventfd e2 = d.enter("eventfd2", 0, O_NONBLOCK);
        assertThat(e2.getSysno()).isEqualTo(290);
        assertThat(e2.getFlags()).isEqualTo(O_NONBLOCK);
    }

    @Test
    void signalfdReadsTheSigsetAndSkipsFdPathForANewFd() {
        long mask = d.mem.longs(1L << 9);
        Signalfd fresh = d.with(Decoding.FD_PATH).enter("signalfd", 0xffff_ffffL, mask, 8);
        assertThat(fresh.getSysno()).isEqualTo(282);
        assertThat(fresh.getFd()).isEqualTo(-1);
        assertThat(fresh.getFdPath()).isEmpty();
        assertThat(fresh.getSigset()).isEqualTo(1L << 9);
        assertThat(fresh.getFlags()).isZero();
        Signalfd existing = d.exit("signalfd4", 5, 5, mask, 8, O_CLOEXEC);
        assertThat(existing.getSysno()).isEqualTo(289);
        assertThat(existing.getFdPath()).isEqualTo("/fd/5");
        assertThat(existing.getFlags()).isEqualTo(O_CLOEXEC);
        Signalfd unreadable = d.enter("signalfd4", 5, 0xdead_0000L, 8, 0);
        assertThat(unreadable.getSigset()).isZero();
        assertThat(unreadable.getFd()).isEqualTo(5);
        int reads = d.mem.reads;
        Signalfd wrongSize = d.enter("signalfd", 5, mask, 16);
        assertThat(wrongSize.getSigset()).as("the kernel rejects sizemask != 8").isZero();
        assertThat(d.mem.reads).isEqualTo(reads);
    }

    @Test
    void timerfdCreate() {
        TimerfdCreate m = d.exit("timerfd_create", 4, CLOCK_MONOTONIC, O_CLOEXEC);
        assertThat(m.getSysno()).isEqualTo(283);
        assertThat(m.getClockId()).isEqualTo(CLOCK_MONOTONIC);
        assertThat(m.getFlags()).isEqualTo(O_CLOEXEC);
    }

    @Test
    void timerfdSettimeReadsNewValueAlwaysAndOldValueAfterSuccess() {
        long newValue = d.mem.longs(1, 500, 2, 0);
        long oldValue = d.mem.longs(0, 0, 0, 250);
        TimerfdSetTime enter = d.with(Decoding.FD_PATH).enter("timerfd_settime", 4, 1, newValue, oldValue);
        assertThat(enter.getSysno()).isEqualTo(286);
        assertThat(enter.getFd()).isEqualTo(4);
        assertThat(enter.getFdPath()).isEqualTo("/fd/4");
        assertThat(enter.getFlags()).isEqualTo(1);
        assertThat(enter.getNewValue().getInterval().getSec()).isEqualTo(1);
        assertThat(enter.getNewValue().getInterval().getNsec()).isEqualTo(500);
        assertThat(enter.getNewValue().getValue().getSec()).isEqualTo(2);
        assertThat(enter.hasOldValue()).isFalse();
        TimerfdSetTime exit = d.exit("timerfd_settime", 0, 4, 1, newValue, oldValue);
        assertThat(exit.getOldValue().getValue().getNsec()).isEqualTo(250);
        TimerfdSetTime noOld = d.exit("timerfd_settime", 0, 4, 1, newValue, 0);
        assertThat(noOld.hasOldValue()).isFalse();
    }

    @Test
    void timerfdGettimeReadsTheCurrentValueAfterSuccess() {
        long cur = d.mem.longs(0, 0, 3, 14);
        TimerfdGetTime enter = d.enter("timerfd_gettime", 4, cur);
        assertThat(enter.getSysno()).isEqualTo(287);
        assertThat(enter.hasCurValue()).isFalse();
        TimerfdGetTime exit = d.exit("timerfd_gettime", 0, 4, cur);
        assertThat(exit.getCurValue().getValue().getSec()).isEqualTo(3);
        assertThat(exit.getCurValue().getValue().getNsec()).isEqualTo(14);
        TimerfdGetTime failed = d.exit("timerfd_gettime", -9, 4, cur);
        assertThat(failed.hasCurValue()).isFalse();
    }

    @Test
    void inotifyFamily() {
        InotifyInit init = d.exit("inotify_init", 3);
        assertThat(init.getSysno()).isEqualTo(253);
        assertThat(init.getFlags()).isZero();
        InotifyInit init1 = d.enter("inotify_init1", O_CLOEXEC);
        assertThat(init1.getSysno()).isEqualTo(294);
        assertThat(init1.getFlags()).isEqualTo(O_CLOEXEC);

        InotifyAddWatch add = d.with(Decoding.FD_PATH).exit("inotify_add_watch", 1, 3, d.mem.string("/tmp/w"), IN_MODIFY);
        assertThat(add.getSysno()).isEqualTo(254);
        assertThat(add.getFd()).isEqualTo(3);
        assertThat(add.getFdPath()).isEqualTo("/fd/3");
        assertThat(add.getPathname()).isEqualTo("/tmp/w");
        assertThat(add.getMask()).isEqualTo(IN_MODIFY);

        InotifyRmWatch rm = d.enter("inotify_rm_watch", 3, 1);
        assertThat(rm.getSysno()).isEqualTo(255);
        assertThat(rm.getFd()).isEqualTo(3);
        assertThat(rm.getWd()).isEqualTo(1);
        assertThat(rm.getFdPath()).isEqualTo("/fd/3");
    }
}

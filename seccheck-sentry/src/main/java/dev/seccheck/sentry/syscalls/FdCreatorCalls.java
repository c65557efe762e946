package dev.seccheck.sentry.syscalls;

import static dev.seccheck.sentry.syscalls.Call.setIfNotNull;

import com.google.protobuf.Message;
import dev.seccheck.proto.common.Timespec;
import dev.seccheck.proto.syscall.Eventfd;
import dev.seccheck.proto.syscall.InotifyAddWatch;
import dev.seccheck.proto.syscall.InotifyInit;
import dev.seccheck.proto.syscall.InotifyRmWatch;
import dev.seccheck.proto.syscall.ItimerSpec;
import dev.seccheck.proto.syscall.Pipe;
import dev.seccheck.proto.syscall.Signalfd;
import dev.seccheck.proto.syscall.TimerfdCreate;
import dev.seccheck.proto.syscall.TimerfdGetTime;
import dev.seccheck.proto.syscall.TimerfdSetTime;

/**
 * FdCreatorCalls decodes the syscalls that make special file descriptors: pipes, eventfds,
 * signalfds, timerfds and inotify instances.
 */
final class FdCreatorCalls {
    private FdCreatorCalls() {}

    /** pipe(fds) and pipe2(fds, flags): the two fds exist after a successful call. */
    static Message pipe(Call c, boolean hasFlags) {
        var b = c.head(Pipe.newBuilder(), Header.PIPE);
        if (hasFlags) {
            b.setFlags(c.intArg(2));
        }
        if (c.succeeded()) {
            int[] fds = c.ints(c.arg(1), 2);
            if (fds != null) {
                b.setReader(fds[0]).setWriter(fds[1]);
            }
        }
        return b.build();
    }

    /** eventfd(initval) and eventfd2(initval, flags). */
    static Message eventfd(Call c, boolean hasFlags) {
        var b = c.head(Eventfd.newBuilder(), Header.EVENTFD).setVal(c.intArg(1));
        if (hasFlags) {
            b.setFlags(c.intArg(2));
        }
        return b.build();
    }

    /**
     * signalfd(fd, mask, sizemask) and signalfd4(..., flags). The kernel accepts only
     * sizemask == 8 (sizeof(sigset_t) on x86-64), so any other size leaves sigset out.
     */
    static Message signalfd(Call c, boolean hasFlags) {
        var b = c.fdHead(Signalfd.newBuilder(), Header.SIGNALFD, c.intArg(1));
        long[] sigset = c.arg(3) == Long.BYTES ? c.longs(c.arg(2), 1) : null;
        if (sigset != null) {
            b.setSigset(sigset[0]);
        }
        if (hasFlags) {
            b.setFlags(c.intArg(4));
        }
        return b.build();
    }

    /** timerfd_create(clockid, flags). */
    static Message timerfdCreate(Call c) {
        return c.head(TimerfdCreate.newBuilder(), Header.TIMERFD_CREATE).setClockId(c.intArg(1)).setFlags(c.intArg(2)).build();
    }

    /** timerfd_settime(fd, flags, new_value, old_value): old_value is written by a successful call. */
    static Message timerfdSettime(Call c) {
        var b = c.fdHead(TimerfdSetTime.newBuilder(), Header.TIMERFD_SET_TIME, c.intArg(1)).setFlags(c.intArg(2));
        setIfNotNull(itimerspec(c, c.arg(3)), b::setNewValue);
        if (c.succeeded()) {
            setIfNotNull(itimerspec(c, c.arg(4)), b::setOldValue);
        }
        return b.build();
    }

    /** timerfd_gettime(fd, curr_value): the value is written by a successful call. */
    static Message timerfdGettime(Call c) {
        var b = c.fdHead(TimerfdGetTime.newBuilder(), Header.TIMERFD_GET_TIME, c.intArg(1));
        if (c.succeeded()) {
            setIfNotNull(itimerspec(c, c.arg(2)), b::setCurValue);
        }
        return b.build();
    }

    /** inotify_init() and inotify_init1(flags). */
    static Message inotifyInit(Call c, boolean hasFlags) {
        var b = c.head(InotifyInit.newBuilder(), Header.INOTIFY_INIT);
        if (hasFlags) {
            b.setFlags(c.intArg(1));
        }
        return b.build();
    }

    /** inotify_add_watch(fd, pathname, mask). */
    static Message inotifyAddWatch(Call c) {
        var b = c.fdHead(InotifyAddWatch.newBuilder(), Header.INOTIFY_ADD_WATCH, c.intArg(1)).setMask(c.intArg(3));
        setIfNotNull(c.path(c.arg(2)), b::setPathname);
        return b.build();
    }

    /** inotify_rm_watch(fd, wd). */
    static Message inotifyRmWatch(Call c) {
        return c.fdHead(InotifyRmWatch.newBuilder(), Header.INOTIFY_RM_WATCH, c.intArg(1)).setWd(c.intArg(2)).build();
    }

    /** struct itimerspec {it_interval, it_value}, each a {tv_sec, tv_nsec} pair of longs. */
    private static ItimerSpec itimerspec(Call c, long addr) {
        long[] v = c.longs(addr, 4);
        if (v == null) {
            return null;
        }
        return ItimerSpec.newBuilder()
            .setInterval(Timespec.newBuilder().setSec(v[0]).setNsec(v[1]))
            .setValue(Timespec.newBuilder().setSec(v[2]).setNsec(v[3]))
            .build();
    }
}

package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.PathCalls;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * PassedFds are the descriptors a message the program sends with an address passes along
 * (SCM_RIGHTS), which seccheck sends for it: each is taken from the program's table
 * ({@code pidfd_getfd}, the same open file), and the message's ancillary data is rewritten with
 * seccheck's numbers for them, so the receiver gets the files the program named. That is how
 * systemd's notify socket takes a service's stored fds and the journal a large message's memfd.
 * Any other ancillary data (SCM_CREDENTIALS, IP options) is refused with EPERM: the kernel checks
 * credentials against the sender, which would be seccheck. Closed after the send.
 */
final class PassedFds implements AutoCloseable {

    /** The most ancillary data taken from a message (the kernel's optmem limit is 20 KiB by default). */
    static final int MAX_CONTROL = 64 << 10;
    private static final int CMSG_HEADER = 16;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;

    private final byte[] control;
    private final List<Integer> ours;

    private PassedFds(byte[] control, List<Integer> ours) {
        this.control = control;
        this.ours = ours;
    }

    /** Why a message's ancillary data cannot be passed on: the errno its send fails with. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final int errno;

        Refused(int errno) {
            super(Errno.name(errno), null, false, false);
            this.errno = errno;
        }
    }

    /**
     * Takes the descriptors the ancillary data {@code program} (cmsghdr records, as the program
     * wrote them) passes, with {@code take} (the program's fd to ours, or -errno), and returns them
     * with the data rewritten for seccheck's send.
     *
     * @throws Refused EINVAL for records the kernel would refuse as malformed, EPERM for any record
     *     but SCM_RIGHTS, EBADF (or take's errno) for a descriptor the program does not have
     */
    static PassedFds take(byte[] program, IntUnaryOperator take) throws Refused {
        ByteBuffer in = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.allocate(program.length).order(ByteOrder.LITTLE_ENDIAN);
        List<Integer> ours = new ArrayList<>();
        boolean done = false;
        try {
            int at = 0;
            while (at + CMSG_HEADER <= program.length) {
                long len = in.getLong(at);
                int level = in.getInt(at + 8);
                int type = in.getInt(at + 12);
                if (len < CMSG_HEADER || len > program.length - at) {
                    throw new Refused(Errno.EINVAL);
                }
                if (level != SOL_SOCKET || type != SCM_RIGHTS) {
                    throw new Refused(Errno.EPERM);
                }
                out.putLong(at, len).putInt(at + 8, level).putInt(at + 12, type);
                for (int p = at + CMSG_HEADER; p + 4 <= at + len; p += 4) {
                    int fd = take.applyAsInt(in.getInt(p));
                    if (fd < 0) {
                        throw new Refused(fd == -Errno.ESRCH ? Errno.ESRCH : Errno.EBADF);
                    }
                    ours.add(fd);
                    out.putInt(p, fd);
                }
                at += (int) ((len + 7) & ~7L);
            }
            done = true;
            return new PassedFds(out.array(), ours);
        } finally {
            if (!done) {
                ours.forEach(PathCalls::close);
            }
        }
    }

    /** The ancillary data to send, naming seccheck's descriptors. */
    byte[] control() {
        return control;
    }

    @Override
    public void close() {
        ours.forEach(PathCalls::close);
    }
}

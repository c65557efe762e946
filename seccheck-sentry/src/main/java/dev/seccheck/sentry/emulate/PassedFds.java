package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.PathCalls;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * PassedFds is the ancillary data of a message seccheck sends for the program, made ready for
 * seccheck's own send. The descriptors it passes (SCM_RIGHTS) are taken from the program's table
 * ({@code pidfd_getfd}, the same open files) and the records rewritten with seccheck's numbers
 * for them, so the receiver gets the files the program named: that is how systemd's notify socket
 * takes a service's stored fds and the journal a large message's memfd. Other records (a TTL, a
 * source address to send from) go as the program wrote them, but two are refused with EPERM:
 * credentials (SCM_CREDENTIALS), which the kernel checks against the sender, seccheck; and a
 * source route ({@link SourceRoutes}) the socket would take, which would send the message to
 * another host than the address decided. Closed after the send.
 *
 * <p>Only as many descriptors are taken as the kernel would take: a unix socket's send takes at
 * most {@link #MOST_PER_MESSAGE} a message (SCM_MAX_FD) and fails with EINVAL at the record that
 * would pass it, before it looks at that record's numbers; a socket of any other family refuses a
 * record of descriptors with EINVAL without looking at them. Those records go on with -1 in every
 * slot, so the kernel answers as for the program's own send, and nothing is taken for them: before,
 * seccheck took every number in up to 64 KiB of ancillary data (16,380 descriptors) and then the
 * kernel refused the message. What is taken counts against the run's {@link PassedFdBudget}.
 */
final class PassedFds implements AutoCloseable {

    /** The most ancillary data taken from a message (the kernel's optmem limit is 20 KiB by default). */
    static final int MAX_CONTROL = 64 << 10;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int SCM_CREDENTIALS = 2;

    /** The most descriptors the kernel takes from one message (SCM_MAX_FD). */
    static final int MOST_PER_MESSAGE = 253;

    private final byte[] control;
    private final List<Integer> ours;
    private final PassedFdBudget budget;
    private final int budgeted;

    private PassedFds(byte[] control, List<Integer> ours, PassedFdBudget budget, int budgeted) {
        this.control = control;
        this.ours = ours;
        this.budget = budget;
        this.budgeted = budgeted;
    }

    /**
     * Why a message's ancillary data cannot be passed on: the errno its send fails with and, for
     * an attempt the run's log names (a source route), why.
     */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final int errno;
        final String attempt;

        Refused(int errno) {
            this(errno, null);
        }

        Refused(int errno, String attempt) {
            super(Errno.name(errno), null, false, false);
            this.errno = errno;
            this.attempt = attempt;
        }
    }

    /** What the socket a message goes on makes of a record that names a source route. */
    enum Route {
        /** It would send the message by the route: the send is refused (EPERM). */
        TAKEN,
        /** It reads no such record (a TCP or unix socket takes no IP-level one): sent as written. */
        IGNORED,
        /**
         * It refuses the record (EINVAL): sent made one it refuses wherever, so the send fails
         * there, in the kernel's own order, whatever the sending thread may.
         */
        REFUSED
    }

    /** Tells what the socket makes of record {@code r} of {@code data}, which names a route. */
    interface Routes {
        Route of(AncillaryData.Record r, byte[] data);
    }

    /**
     * Takes the descriptors the ancillary data {@code program} (cmsghdr records, as the program
     * wrote them) passes, with {@code take} (the program's fd to ours, or -errno), and returns them
     * with the data rewritten for seccheck's send. Everything else the kernel checks of the data
     * (a malformed record, a descriptor the program does not have, a record the socket does not
     * take) is left to it, which answers in its own order: after the checks its protocol makes
     * first, as for the program's own send. A record naming a source route is what
     * {@code routes} says the socket makes of it. Descriptors are taken only for a {@code unix}
     * socket, and only those of the records the kernel would look at (the class comment), room for
     * them first taken from {@code budget}.
     *
     * @throws Refused EPERM for credentials and source routes taken, and when seccheck may not take
     *     the task's descriptors; ESRCH when the task is gone; ETOOMANYREFS when the budget, or
     *     seccheck's descriptor table, has no room for the message's descriptors
     */
    static PassedFds take(byte[] program, IntUnaryOperator take, Routes routes, boolean unix, PassedFdBudget budget)
            throws Refused {
        List<AncillaryData.Record> records = AncillaryData.leadingRecords(program);
        ByteBuffer in = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.wrap(program.clone()).order(ByteOrder.LITTLE_ENDIAN);
        for (AncillaryData.Record r : records) {
            if (r.level() == SOL_SOCKET && r.type() == SCM_CREDENTIALS) {
                throw new Refused(Errno.EPERM);
            }
            String route = SourceRoutes.inMessage(r, program);
            if (route == null) {
                continue;
            }
            switch (routes.of(r, program)) {
                case TAKEN -> throw new Refused(Errno.EPERM,
                        route + " would send the message to a host other than the one decided");
                case REFUSED -> refusedWherever(out, r);
                case IGNORED -> { }
            }
        }
        int wanted = 0;
        boolean cut = !unix;
        List<AncillaryData.Record> taken = new ArrayList<>();
        for (AncillaryData.Record r : records) {
            if (r.level() != SOL_SOCKET || r.type() != SCM_RIGHTS) {
                continue;
            }
            int num = entries(r);
            cut |= wanted + num > MOST_PER_MESSAGE;
            if (cut) {
                for (int p = r.valueAt(); p + 4 <= r.at() + r.length(); p += 4) {
                    out.putInt(p, -1); // never looked at: the kernel's EINVAL comes first
                }
            } else {
                wanted += num;
                taken.add(r);
            }
        }
        if (wanted > 0 && !budget.tryTake(wanted)) {
            throw new Refused(Errno.ETOOMANYREFS, "its " + wanted + " descriptors do not fit in the "
                    + (budget.capacity() - budget.held()) + " of " + budget.capacity()
                    + " seccheck may hold at once for messages it sends");
        }
        List<Integer> ours = new ArrayList<>();
        boolean done = false;
        try {
            for (AncillaryData.Record r : taken) {
                for (int p = r.valueAt(); p + 4 <= r.at() + r.length(); p += 4) {
                    int fd = take.applyAsInt(in.getInt(p));
                    if (fd == -Errno.ESRCH) {
                        throw new Refused(Errno.ESRCH);
                    }
                    if (fd == -Errno.EMFILE || fd == -Errno.ENFILE) { // the program's may well exist
                        throw new Refused(Errno.ETOOMANYREFS, "seccheck's descriptor table has no room for"
                                + " the descriptors it passes");
                    }
                    if (fd == -Errno.EPERM) {
                        throw new Refused(Errno.EPERM, "seccheck may no longer take the task's descriptors");
                    }
                    if (fd >= 0) {
                        ours.add(fd);
                    }
                    out.putInt(p, fd < 0 ? -1 : fd); // none in seccheck's table either: the kernel's EBADF
                }
            }
            done = true;
            return new PassedFds(out.array(), ours, budget, wanted);
        } finally {
            if (!done) {
                ours.forEach(PathCalls::close);
                budget.giveBack(wanted);
            }
        }
    }

    /** How many descriptors the kernel counts in SCM_RIGHTS record {@code r}: its whole ints. */
    private static int entries(AncillaryData.Record r) {
        return Math.max(0, r.valueLength() / 4);
    }

    /**
     * Makes route record {@code r} one every kernel refuses, whatever the sender may: an IPv4 list
     * whose first option is a record route of length 0, which the walk refuses first; an IPv6
     * routing header of type 0, which kernels have refused since RFC 5095 deprecated it in 2007
     * (one shorter than a header's four bytes is refused as it is).
     */
    private static void refusedWherever(ByteBuffer out, AncillaryData.Record r) {
        if (r.level() == SourceRoutes.SOL_IP) {
            out.put(r.valueAt(), (byte) IpOptions.RECORD_ROUTE);
            if (r.valueLength() > 1) {
                out.put(r.valueAt() + 1, (byte) 0);
            }
        } else if (r.valueLength() >= 4) {
            out.put(r.valueAt() + 2, (byte) 0);
        }
    }

    /** The ancillary data to send, naming seccheck's descriptors. */
    byte[] control() {
        return control;
    }

    @Override
    public void close() {
        ours.forEach(PathCalls::close);
        budget.giveBack(budgeted);
    }
}

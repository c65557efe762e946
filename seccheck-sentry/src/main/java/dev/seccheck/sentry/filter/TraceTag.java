package dev.seccheck.sentry.filter;

import dev.seccheck.linux.Seccomp;

/**
 * TraceTag is the SECCOMP_RET_DATA every RET_TRACE of seccheck's filters carries (but a layer
 * probe's, which only the injector sees), by which the
 * tracer tells its own seccomp stops from those a filter of the program's asks for. A program
 * may install filters of its own that answer RET_TRACE (libseccomp's SCMP_ACT_TRACE); with no
 * tracer of its own, the kernel fails such a call with ENOSYS without running it, and seccheck
 * must answer a stop it did not ask for the same way rather than let the call run.
 *
 * <p>Among filters giving the same action the kernel keeps the data of the first one it
 * evaluates, the newest. A program's filter installed after seccheck's layers therefore decides
 * the stop's data whenever it traces the call, whatever seccheck's layers answer: a call it traces
 * stops with its data and fails as natively. A layer seccheck injects later (a session created at
 * run time) is newer than the program's filters and its tag wins over theirs: for the calls that
 * layer traces, the program's own trace is not seen (see the README's "Limits (today)"); for the
 * others it falls through and the program's data still decides.
 *
 * <p>The tag is fixed and public: a program that gives it in its own filter has seccheck serve
 * that stop as its own, so the call runs as if the program's filter had allowed it. That only
 * loosens the program's own sandbox, which it could drop anyway by not installing the filter;
 * seccheck's checks still apply, as they do to every call the program's filters allow.
 * {@link LayerProbe}'s tags are random and never this one, so that no filter answering with the
 * public tag passes for a layer's probe.
 */
public final class TraceTag {
    private TraceTag() {}

    /** The 16 bits of SECCOMP_RET_DATA seccheck's traces carry ("5ecc"). */
    public static final int DATA = 0x5ecc;

    /** The return value of every RET_TRACE in seccheck's filters. */
    public static final int RET = Seccomp.RET_TRACE | DATA;

    /** Whether a seccomp stop whose PTRACE_GETEVENTMSG is {@code eventMessage} is one of seccheck's filters asked for. */
    public static boolean isOurs(long eventMessage) {
        return eventMessage == DATA;
    }
}

package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Sysno;
import dev.seccheck.points.Point;
import dev.seccheck.points.SyscallType;
import dev.seccheck.sentry.emulate.Emulator;
import dev.seccheck.sentry.filter.FilterAction;
import dev.seccheck.state.PointState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * RuntimeAdmission decides whether a session created while the run goes can be served as asked.
 * The notifier's filter and the emulated syscalls are fixed when the run starts, so some points
 * cannot be added later, and some rules cannot be held later: a create is refused, before
 * anything changes, naming them and why.
 */
final class RuntimeAdmission {
    private RuntimeAdmission() {}

    /**
     * Returns why the points of {@code next} cannot be served on this run, or empty if they can.
     *
     * @param notified what the notifier holds for the whole run, null before the run starts
     * @param wanted the filter actions {@code next} needs
     */
    static Optional<String> refusal(SyscallPoints syscalls, FilterAction[] notified, FilterAction[] wanted, PointState next) {
        List<String> unserved = unservable(syscalls, notified, wanted, next);
        if (!unserved.isEmpty()) {
            return Optional.of(String.join(", ", unserved)
                    + " cannot be served while the run is going: the"
                    + " syscall's enter points were enabled when the run started, so the notifier holds it for the"
                    + " whole run and it never stops at its exit; enable the exit point when the run starts");
        }
        List<String> undecidable = undecidable(syscalls, notified, next);
        if (!undecidable.isEmpty()) {
            return Optional.of(String.join(", ", undecidable)
                    + " would be decided on memory or names the program can still change: a sink of the new session denies"
                    + " there (a policy rule), and seccheck performs those syscalls itself only when such a session"
                    + " is there as the run starts; start the run with this session (seccheck run --config FILE)");
        }
        return Optional.empty();
    }

    /**
     * The points of {@code next} that need a syscall's exit stop where the syscall is held by the
     * notifier for the whole run (which runtime filter layers cannot add): e.g.
     * {@code syscall/read/exit}, or {@code chdir (to refresh the cwd context field)}.
     */
    private static List<String> unservable(SyscallPoints syscalls, FilterAction[] notified, FilterAction[] wanted,
            PointState next) {
        List<String> out = new ArrayList<>();
        if (notified == null) {
            return out; // the run has not started: its filters will be made from these points
        }
        for (int nr = 0; nr < wanted.length && nr < notified.length; nr++) {
            if (wanted[nr] != FilterAction.TRACE || notified[nr] != FilterAction.NOTIFY) {
                continue;
            }
            int size = out.size();
            for (SyscallType type : new SyscallType[] {SyscallType.EXIT, SyscallType.RAW_EXIT}) {
                if (next.syscallEnabled(type, nr)) {
                    syscalls.catalog().pointForSyscall(type, nr).ifPresent(p -> out.add(p.name()));
                }
            }
            if (out.size() == size) {
                out.add("syscall " + nr + " (traced to its exit to keep the cwd or credentials context field current)");
            }
        }
        return out;
    }

    /**
     * The points of {@code next} where a sink denies (a policy rule on opening files or reaching
     * the network) for a syscall the run does not emulate: emulation is chosen with the notifier's
     * filter at start, and a check served the ptrace way reads memory a second thread can rewrite;
     * and sentry/execve where a sink decides on the file an exec ran, if the run does not perform
     * renames (the exec would be decided on the name its file has at the exec event).
     */
    private static List<String> undecidable(SyscallPoints syscalls, FilterAction[] notified, PointState next) {
        List<String> out = new ArrayList<>();
        if (notified == null) {
            return out; // the run has not started: what it emulates will be chosen from these points
        }
        Emulator.Effects e = syscalls.emulation();
        for (int nr : new int[] {Sysno.OPEN, Sysno.OPENAT, Sysno.CREAT, Sysno.CONNECT, Sysno.BIND, Sysno.ACCEPT,
            Sysno.ACCEPT4}) {
            boolean open = nr == Sysno.OPEN || nr == Sysno.OPENAT || nr == Sysno.CREAT;
            boolean peer = nr == Sysno.CONNECT || nr == Sysno.BIND;
            for (SyscallType type : new SyscallType[] {SyscallType.ENTER, SyscallType.EXIT}) {
                syscalls.catalog().pointForSyscall(type, nr)
                        .filter(p -> next.decided(p))
                        .ifPresent(p -> {
                            if (!e.covers(nr)) {
                                out.add(p.name());
                            } else if (open && !e.names()) {
                                out.add(p.name() + " (this run performs opens, but not the links and renames that"
                                        + " can take a file out of a rule's reach)");
                            } else if (peer && !e.peersDecided()) {
                                out.add(p.name() + " (this run performs network calls, but neither holds the"
                                        + " socket options that set a source route, which sends packets to hosts no"
                                        + " connect names, nor makes the netlink calls of tasks sharing their"
                                        + " descriptors)");
                            } else if (nr == Sysno.BIND && !e.listens()) {
                                out.add(p.name() + " (this run performs binds, but not the listens that bind a"
                                        + " socket never bound themselves)");
                            } else if (nr == Sysno.BIND && !e.socketNames() && !e.names()
                                    && syscalls.decidesSocketNames(next)) {
                                out.add(p.name() + " (this run performs binds, but not the renames, links and"
                                        + " symlinks that give a socket bound elsewhere a unix path a rule denies)");
                            }
                        });
            }
        }
        if (!e.executables() && next.decidesExecutedFiles(List.of(Point.EXECVE))) {
            out.add(Point.EXECVE.name() + " (a rule on the file an exec runs: this run does not perform the renames"
                    + " that can take that file out of the rule while an exec of it is in flight)");
        }
        return out;
    }
}

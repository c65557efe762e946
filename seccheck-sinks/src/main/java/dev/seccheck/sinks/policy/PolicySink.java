package dev.seccheck.sinks.policy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.format.SockAddr;
import dev.seccheck.points.Point;
import dev.seccheck.points.SyscallType;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.syscall.Bind;
import dev.seccheck.proto.syscall.Connect;
import dev.seccheck.sink.DropNotices;
import dev.seccheck.sink.ExecveGaps;
import dev.seccheck.sink.Missing;
import dev.seccheck.sink.NameChange;
import dev.seccheck.sink.OnDrop;
import dev.seccheck.sink.PointSink;
import dev.seccheck.sink.ReachedFile;
import dev.seccheck.sink.ReachedPeer;
import dev.seccheck.sink.ScriptChain;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sink.SinkStatus;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * PolicySink enforces rules written in its configuration: for each point, the rules naming it are
 * tried in order and the first whose conditions all hold decides: allow, deny with an errno, kill
 * the task's thread group, or log. Deny, kill and log write a JSON alert line.
 *
 * <p>A deny or kill rule that needs a value the sentry could not obtain for the point (its
 * {@link Missing} fields) is decided by {@code on_missing} instead of by the absent value; an
 * allow or log rule in that case does not match, so it never lets through what it could not check.
 *
 * <p>An alert the stream does not take (a full disk) is counted in {@link #status()}; a log rule's
 * fails its operation when {@code on_drop} says so, as the text sink's lines do.
 */
public final class PolicySink implements PointSink.MissingAware {

    private static final Rule[] NONE = new Rule[0];

    private final Rule[][] rulesByPoint;
    /** The enforcing rules on the path of an open, once each (a rule naming several points is one rule). */
    private final List<Rule> onNames;
    /** The rules on opening files, once each, in their order: they decide on names the program changes. */
    private final List<Rule> onOpens;
    /** The enforcing rules on the path of the file an exec ran: a rename in flight moves it ({@link #movesOutOfWhatRuns}). */
    private final List<Rule> onExecuted;
    /** The rules on binding (bind's enter point), in order: they decide on names given to sockets. */
    private final Rule[] onBinds;
    private final AlertLog alerts;
    private final OnMissing onMissing;
    /** What a log rule's alert the stream did not take does to its operation. */
    private final DropNotices notices;
    /** Where the alerts go, for the run's log. */
    private final String where;

    PolicySink(Map<Integer, List<Rule>> rules, AlertLog alerts, OnMissing onMissing) {
        this(rules, alerts, onMissing, OnDrop.COUNT, "the policy's alerts");
    }

    /**
     * A policy whose alerts go to {@code alerts} ({@code where}, for the run's log); a log rule's
     * alert that cannot be written fails its operation as {@code onDrop} says.
     */
    PolicySink(Map<Integer, List<Rule>> rules, AlertLog alerts, OnMissing onMissing, OnDrop onDrop, String where) {
        this.notices = new DropNotices(onDrop, "sink policy writes alerts to " + where + " again");
        this.where = where;
        this.rulesByPoint = new Rule[Point.ID_LIMIT][];
        for (int id = 0; id < rulesByPoint.length; id++) {
            List<Rule> l = rules.get(id);
            rulesByPoint[id] = l == null ? NONE : l.toArray(Rule[]::new);
        }
        this.alerts = alerts;
        this.onMissing = onMissing;
        Map<Integer, Rule> byIndex = new TreeMap<>();
        rules.values().forEach(l -> l.stream().filter(Rule::onNames).forEach(r -> byIndex.putIfAbsent(r.index(), r)));
        this.onNames = List.copyOf(byIndex.values());
        Map<Integer, Rule> opening = new TreeMap<>();
        rules.values().forEach(l -> l.stream().filter(Rule::opening).forEach(r -> opening.putIfAbsent(r.index(), r)));
        this.onOpens = List.copyOf(opening.values());
        this.onBinds = rulesByPoint[Point.syscallId(SyscallType.ENTER, Sysno.BIND)];
        this.onExecuted = Arrays.stream(rulesByPoint[Point.EXECVE.id()]).filter(Rule::onExecutedPaths).toList();
        // Said once, at load: the opens this makes go to on_missing are alerted one by one.
        for (Rule rule : onNames) {
            for (Path dir : rule.unlisted()) {
                System.err.println("seccheck: policy rule " + rule.index() + " cannot list " + dir + " (searchable, not"
                        + " readable by seccheck's user): an open of a file with other names (hard links) the rule"
                        + " does not match goes to on_missing (" + onMissing.name().toLowerCase(java.util.Locale.ROOT)
                        + "), as one below it may be");
            }
        }
    }

    @Override
    public String name() {
        return "policy";
    }

    /** A deny or kill rule on the point decides it (an allow or log rule never fails a call). */
    @Override
    public boolean decides(Point point) {
        for (Rule rule : rulesByPoint[point.id()]) {
            if (rule.enforcing()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Decides the point by its rules. For {@code sentry/execve} the kernel may have run more than
     * the file executed: for a {@code #!} script the program its {@code #!} line names, and so on
     * to a binary, and for a dynamically linked binary its ELF interpreter ({@link ScriptChain});
     * the exec is let through only if the rules let each through, each decided as if executed by
     * name.
     */
    @Override
    public void point(Point point, FieldSet fields, MessageType type, Message msg, Missing missing)
            throws SecurityCheckException {
        decide(point, msg, missing, null);
        ReachedPeer peer = msg instanceof Connect || msg instanceof Bind ? ReachedPeer.current() : null;
        if (peer != null && rulesByPoint[point.id()].length > 0) {
            // Where the kernel sends it (the local host, for the unspecified address) or binds it
            // (IPv4's AF_UNSPEC taken as AF_INET) is decided too.
            ByteString address = ByteString.copyFrom(peer.address());
            Message reached = switch (msg) {
                case Connect c -> c.toBuilder().setAddress(address).build();
                case Bind b -> b.toBuilder().setAddress(address).build();
                default -> throw new IllegalStateException("no address in " + msg.getClass().getSimpleName());
            };
            decide(point, reached, missing, new AlertLog.Because("named_address", namedAddress(msg)));
        }
        ScriptChain chain = point.equals(Point.EXECVE) ? ScriptChain.current() : null;
        if (chain != null && msg instanceof ExecveInfo script && rulesByPoint[point.id()].length > 0) {
            for (ScriptChain.Program program : chain.programs()) {
                ExecveInfo ran = program.describe(fields, script);
                Missing gaps = ExecveGaps.of(fields, ran); // the program's own: the script's do not count
                ScopedValue.where(ReachedFile.CURRENT, program.file()).call(() -> {
                    decide(point, ran, gaps, new AlertLog.Because("interpreter_of", script.getBinaryPath()));
                    return null;
                });
            }
        }
    }

    /** The address connect or bind message {@code msg} names, as an alert shows it ({@code AF_INET 0.0.0.0:80}). */
    private static String namedAddress(Message msg) {
        ByteString address = msg instanceof Bind b ? b.getAddress() : ((Connect) msg).getAddress();
        return SockAddr.decode(address).map(SockAddr::toString).orElse("?");
    }

    /**
     * Tries the point's rules on {@code msg}; {@code because}: why the message is not the point's
     * own (a program a script ran, a peer the address named reaches), said in the alert, or null.
     */
    private void decide(Point point, Message msg, Missing missing, AlertLog.Because because)
            throws SecurityCheckException {
        for (Rule rule : rulesByPoint[point.id()]) {
            if (!missing.isEmpty() || rule.enforcing() && rule.partlyListed()) {
                Missing.Field gap = rule.undecidedBy(msg, missing);
                if (gap != null) {
                    if (rule.enforcing() && onMissing != OnMissing.ALLOW) {
                        undecided(rule, point, msg, gap, because);
                    }
                    continue;
                }
            }
            if (!rule.matches(msg)) {
                continue;
            }
            switch (rule.action()) {
                case Action.Allow a -> {}
                case Action.Log l -> logged(alerts.alert(rule, point, msg, because), rule, point);
                case Action.Deny d -> {
                    alerts.alert(rule, point, msg, because);
                    throw new SecurityCheckException(d.errno(), "policy rule " + rule.index() + " denies " + point.name());
                }
                case Action.Kill k -> {
                    alerts.alert(rule, point, msg, because);
                    throw SecurityCheckException.killing("policy rule " + rule.index() + " kills on " + point.name());
                }
            }
            return;
        }
    }

    /**
     * Refuses a change of names that walks around a deny or kill rule on opening files:
     * <ul>
     * <li>a link or rename that takes a file out of the rule's reach: its path conditions all hold
     *     for the file's name now (or for its device and inode, {@link FilesNamed}) and not for the
     *     new name itself. Else the file could be opened under the new name where it is denied
     *     under the old (a hard link into an allowed directory, under a negated matcher;
     *     {@code secret.key} renamed {@code secret.txt}, under {@code *.key}), by other users,
     *     and by a later run once the old name holds another file: the device and inode keep it
     *     from this run's opens only. Only the path conditions count: the rule's others (a process
     *     name, say) may be met by another task, or by this one later;</li>
     * <li>a name the task could not open, given another file (renamed or linked over, or made
     *     anew by mkdir, mknod, symlink or a unix socket's bind), removed (by unlink or rmdir, or as
     *     a rename's old name), or its file changed without an open (truncate, chmod, chown, an
     *     extended attribute, its times):
     *     decided as the task's
     *     open of that name would be, by the rules on opening files in order ({@link Rule#onName}).
     *     Else a file the rule protects could be replaced (an {@code authorized_keys} renamed over,
     *     a symlink put where it was) or cut without an open;</li>
     * <li>a mode, owner or extended attribute change of a directory above names such a rule may
     *     reach ({@link #exposesBelow}): it changes who else may reach them;</li>
     * <li>a symbolic link made at a name above names such a rule reaches ({@link Rule#mayReachBelow}):
     *     it would lead them to files of the program's choosing; and a directory moved there: a
     *     call another thread has had decided on a name below the directory, and not made yet,
     *     would be made among the names the rule denies (a mkdir in {@code ok/} while {@code ok}
     *     is moved to {@code prot}). A directory made there by mkdir is empty and stays put.</li>
     * </ul>
     * A move within names every rule still reaches and the task may open goes through.
     *
     * <p>A directory is judged by its device and inode as well as by its name: the mode or owner
     * change of one the rule knows on the way to its names ({@link FilesNamed#directoryNames}),
     * and a name made in one, are judged under the names the rule knows it by too. The kernel
     * names the files of a bind mount by the mount's path, so a bind mount of the kept tree made
     * before the run would otherwise let the program open its directory to other users, rename
     * over a kept file, or put names of its own among those the rule denies.
     */
    @Override
    public boolean refuses(NameChange change) {
        if (change.kind() == NameChange.Kind.MOVE) {
            for (Rule rule : onNames) {
                if (!rule.reaches(change.from(), change.file())) {
                    continue;
                }
                // The new name is judged as a name: the device and inode the rule knows the file by
                // keep it from this run's opens under any name, not from other users, nor from a
                // later run once the name the rule matches holds another file.
                if (!rule.reaches(change.to(), null, change.parent())) {
                    alerts.nameChange(rule, change, "the rule reaches the file under its name now, not under the new one");
                    return true;
                }
                // Let through under its name now as well, the file was not the rule's to keep.
                Rule before = letThroughBefore(rule, change.to(), change.file());
                if (before != null && letThroughBefore(rule, change.from(), change.file()) == null) {
                    alerts.nameChange(rule, change, "rule " + before.index() + ", before it, lets every task open"
                            + " the file under the new name");
                    return true;
                }
            }
        }
        boolean naming = change.kind() == NameChange.Kind.MOVE || change.kind() == NameChange.Kind.CREATE;
        String name = naming ? change.to() : change.from();
        decide:
        for (Rule rule : onOpens) {
            switch (rule.onName(name, naming ? null : change.file(), naming ? change.parent() : null,
                    change.processName())) {
                case REFUSE -> {
                    alerts.nameChange(rule, change, switch (change.kind()) {
                        case MOVE, CREATE -> "the rule denies the task that name";
                        case REMOVE -> "the rule denies the task the name removed";
                        case ALTER, ACCESS -> "the rule denies the task that file";
                        case READ -> "the rule denies the task that file, which the kernel gave the program it executed"
                                + " (mapped into it, or handed it open as a binfmt_misc handler's AT_EXECFD)";
                    });
                    return true;
                }
                case LET -> {
                    break decide;
                }
                case NO_MATCH -> {}
            }
        }
        boolean movedDirectory = change.kind() == NameChange.Kind.MOVE && change.directory();
        if (naming && (change.symlink() || movedDirectory)) {
            for (Rule rule : onOpens) {
                if (rule.mayReachBelow(change.to(), null, change.parent(), change.processName())) {
                    alerts.nameChange(rule, change, change.symlink()
                            ? "a symbolic link there would lead names the rule denies below it elsewhere"
                            : "a directory moved there would bring names below it, and calls decided on them elsewhere,"
                                    + " among names the rule denies");
                    return true;
                }
            }
        }
        return change.kind() == NameChange.Kind.ACCESS && change.directory() && exposesBelow(change);
    }

    /**
     * A directory below a moved one is a mount point: the mount covers the names below it, which
     * no walk from the program's namespace lists and which the move takes along. Refused, with an
     * alert, unless every rule on opening files decides each name below it under the new name as
     * under the old one ({@link Rule#decidesAlikeBelow}): under a rule such as <code>*&#47;sec/*.txt</code>
     * a tmpfs over {@code d/sec/sub} hid {@code s.txt} there while {@code mv d/sec d/pub} took it out
     * of the rule's reach (red-team round 16, A F2); under {@code *.key} no move of a directory
     * changes what is denied below it, and one with a mount below goes through.
     */
    @Override
    public boolean refusesCovered(NameChange change) {
        for (Rule rule : onOpens) {
            if (!rule.decidesAlikeBelow(change.from(), change.to())) {
                alerts.nameChange(rule, change, "a mount covers the names below it, which seccheck cannot list and"
                        + " the rule may decide otherwise under the new name");
                return true;
            }
        }
        return false;
    }

    /**
     * A rename takes a file out of a deny or kill rule on what runs when every {@code binary_path}
     * condition of the rule holds for it under its name now and one does not under the new name,
     * or, for a directory, may hold for a name below it ({@link Rule#movesOutOfExecuted}). Nothing
     * is refused or alerted: the sentry remembers the file, and kills an exec in flight that ran it.
     */
    @Override
    public boolean movesOutOfWhatRuns(NameChange move) {
        if (move.kind() != NameChange.Kind.MOVE) {
            return false;
        }
        for (Rule rule : onExecuted) {
            if (rule.movesOutOfExecuted(move)) {
                return true;
            }
        }
        return false;
    }

    /** A deny or kill rule on what runs has a condition on the file's {@code binary_path}. */
    @Override
    public boolean decidesExecutedFiles() {
        return !onExecuted.isEmpty();
    }

    /** A deny or kill rule on binding has a condition on the socket's {@code unix_path}. */
    @Override
    public boolean decidesSocketNames() {
        for (Rule rule : onBinds) {
            if (rule.onSocketPaths()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Decides a name given to a file (a link or rename of it, a symbolic link or mknod there) as a
     * bind of a unix socket at that name, by the rules on binding in order ({@link Rule#onSocketName}):
     * a socket bound elsewhere and renamed or linked there is reached there as one bound there
     * would be, and so is one a symbolic link made there leads to. Any file given the name is
     * decided so, not only a socket: the kernel renames and links by name, and another thread may
     * put a socket under the old name between this decision and the call. A symbolic link, and a
     * directory moved, is refused too where a name below it may be one the rule denies: it would
     * lead that name to a socket of the program's choosing, or bring a socket (or a bind decided
     * on a name below it and not made yet) there. The refusal is the rule's: its errno, or a kill,
     * with an alert naming the rule and the change.
     */
    @Override
    public void decideSocketName(NameChange change) throws SecurityCheckException {
        if (change.kind() != NameChange.Kind.MOVE && change.kind() != NameChange.Kind.CREATE) {
            return;
        }
        boolean moved = change.kind() == NameChange.Kind.MOVE && (change.directory() || change.symlink());
        boolean below = change.symlink() || moved;
        // What the names below it were before: a moved one's old name, or a symbolic link's target.
        String before = below ? change.from() : null;
        for (Rule rule : onBinds) {
            switch (rule.onSocketName(change.to(), below, before, change.processName())) {
                case REFUSE -> {
                    alerts.socketName(rule, change, below
                            ? "a name at or below it is one the rule denies binding a socket to"
                            : "a socket there would be reached as one bound there, which the rule denies");
                    throw rule.action() instanceof Action.Deny d
                            ? new SecurityCheckException(d.errno(), "policy rule " + rule.index() + " denies a socket at "
                                    + change.to())
                            : SecurityCheckException.killing("policy rule " + rule.index() + " kills on a socket at "
                                    + change.to());
                }
                case LET -> {
                    return;
                }
                case NO_MATCH -> {}
            }
        }
    }

    /**
     * Whether the mode, owner or ACL change of the directory {@code change} names would let others
     * reach names a rule on opening files denies below it ({@link Rule#mayReachBelow}, with the
     * rule's other conditions as for a symbolic link there), refused as the same change of a kept
     * file is: a directory made 0755, opened to a user by an ACL, or given to one, lets them read a
     * 0644 file below it that no one outside the run could reach before; one made 0777 lets anyone
     * replace the names below it. The directory is judged under every name the rule knows it by
     * (its device and inode, {@link FilesNamed#directoryNames}), not only the one the program used. An allow rule before it does not matter: it lets this run open
     * the directory's name, not other users reach the names below.
     */
    private boolean exposesBelow(NameChange change) {
        for (Rule rule : onOpens) {
            if (rule.mayReachBelow(change.from(), change.file(), null, change.processName())) {
                alerts.nameChange(rule, change, "it changes who else may reach, and replace, the names the rule"
                        + " denies below that directory");
                return true;
            }
        }
        return false;
    }

    /**
     * The rule on opening files before {@code rule} that would let every task open the file
     * {@code file} at {@code name}: an allow rule on the path alone that holds for it, met before
     * any deny or kill rule on the path alone that does; null when there is none. A link or rename
     * there would take the file out of {@code rule}'s reach as surely as a name it does not match
     * (a hard link into an allowed workspace, under "allow the workspace, deny the rest of the tree").
     */
    private Rule letThroughBefore(Rule rule, String name, ReachedFile file) {
        for (Rule q : onOpens) {
            if (q.index() >= rule.index()) {
                return null;
            }
            if (q.onPathAlone() && q.reaches(name, file)) {
                return q.enforcing() ? null : q.action() instanceof Action.Allow ? q : null;
            }
        }
        return null;
    }

    /**
     * A log rule's alert was written or not: an alert is the trail of what a log rule lets
     * through, so one the stream did not take fails the operation as {@code on_drop} says. A deny
     * or kill rule's alert that is lost is only counted: its operation fails anyway.
     */
    private void logged(boolean written, Rule rule, Point point) throws SecurityCheckException {
        if (written) {
            notices.delivered();
        } else {
            notices.dropped(() -> "sink policy cannot write alerts to " + where,
                    () -> "the policy sink could not write rule " + rule.index() + "'s alert on " + point.name()
                            + " to " + where);
        }
    }

    /** Counts the alerts the stream did not take. */
    @Override
    public SinkStatus status() {
        return new SinkStatus(alerts.dropped());
    }

    /** An enforcing rule could not be checked: {@code on_missing} (deny or kill) decides, with an alert naming the gap. */
    private void undecided(Rule rule, Point point, Message msg, Missing.Field gap, AlertLog.Because because)
            throws SecurityCheckException {
        String why = "policy rule " + rule.index() + " cannot check " + point.name() + ": missing " + gap;
        if (onMissing == OnMissing.KILL) {
            alerts.missing(rule, point, msg, new Action.Kill(), gap, because);
            throw SecurityCheckException.killing(why);
        }
        int errno = rule.action() instanceof Action.Deny d ? d.errno() : Errno.EPERM;
        alerts.missing(rule, point, msg, new Action.Deny(errno), gap, because);
        throw new SecurityCheckException(errno, why);
    }

    @Override
    public void stop() {
        alerts.close();
    }
}

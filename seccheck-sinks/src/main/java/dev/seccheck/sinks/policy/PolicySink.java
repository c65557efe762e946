package dev.seccheck.sinks.policy;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.abi.Errno;
import dev.seccheck.sink.Missing;
import dev.seccheck.sink.PointSink;
import dev.seccheck.sink.Renaming;
import dev.seccheck.sink.SecurityCheckException;
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
 */
public final class PolicySink implements PointSink.MissingAware {

    private static final Rule[] NONE = new Rule[0];

    private final Rule[][] rulesByPoint;
    /** The enforcing rules on the path of an open, once each (a rule naming several points is one rule). */
    private final List<Rule> onNames;
    private final AlertLog alerts;
    private final OnMissing onMissing;

    PolicySink(Map<Integer, List<Rule>> rules, AlertLog alerts, OnMissing onMissing) {
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

    @Override
    public void point(Point point, FieldSet fields, MessageType type, Message msg, Missing missing)
            throws SecurityCheckException {
        for (Rule rule : rulesByPoint[point.id()]) {
            if (!missing.isEmpty()) {
                Missing.Field gap = rule.undecidedBy(msg, missing);
                if (gap != null) {
                    if (rule.enforcing() && onMissing != OnMissing.ALLOW) {
                        undecided(rule, point, msg, gap);
                    }
                    continue;
                }
            }
            if (!rule.matches(msg)) {
                continue;
            }
            switch (rule.action()) {
                case Action.Allow a -> {}
                case Action.Log l -> alerts.alert(rule, point, msg);
                case Action.Deny d -> {
                    alerts.alert(rule, point, msg);
                    throw new SecurityCheckException(d.errno(), "policy rule " + rule.index() + " denies " + point.name());
                }
                case Action.Kill k -> {
                    alerts.alert(rule, point, msg);
                    throw SecurityCheckException.killing("policy rule " + rule.index() + " kills on " + point.name());
                }
            }
            return;
        }
    }

    /**
     * Refuses a link or rename that takes a file out of the reach of a deny or kill rule on opening
     * files: the rule's path conditions all hold for the file's name now (or for its device and
     * inode, {@link FilesNamed}) and not for the new one. Else the file could be opened under the
     * new name where it is denied under the old (a hard link into an allowed directory, under a
     * negated matcher; {@code secret.key} renamed {@code secret.txt}, under {@code *.key}). Only the
     * path conditions count: the rule's others (a process name, say) may be met by another task,
     * or by this one later. A new name every such rule still reaches is let through (a move within
     * a denied tree).
     */
    @Override
    public boolean refuses(Renaming renaming) {
        for (Rule rule : onNames) {
            if (rule.reaches(renaming.from(), renaming.file()) && !rule.reaches(renaming.to(), renaming.file())) {
                alerts.renaming(rule, renaming);
                return true;
            }
        }
        return false;
    }

    /** An enforcing rule could not be checked: {@code on_missing} (deny or kill) decides, with an alert naming the gap. */
    private void undecided(Rule rule, Point point, Message msg, Missing.Field gap) throws SecurityCheckException {
        String why = "policy rule " + rule.index() + " cannot check " + point.name() + ": missing " + gap;
        if (onMissing == OnMissing.KILL) {
            alerts.missing(rule, point, msg, new Action.Kill(), gap);
            throw SecurityCheckException.killing(why);
        }
        int errno = rule.action() instanceof Action.Deny d ? d.errno() : Errno.EPERM;
        alerts.missing(rule, point, msg, new Action.Deny(errno), gap);
        throw new SecurityCheckException(errno, why);
    }

    @Override
    public void stop() {
        alerts.close();
    }
}

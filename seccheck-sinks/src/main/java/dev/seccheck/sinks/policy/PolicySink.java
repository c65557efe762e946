package dev.seccheck.sinks.policy;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.sentry.ExitNotifyParentInfo;
import dev.seccheck.proto.sentry.MmapInfo;
import dev.seccheck.proto.sentry.TaskExit;
import dev.seccheck.proto.syscall.Syscall;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sink.Sink;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * PolicySink enforces rules written in its configuration: for each point, the rules naming it are
 * tried in order and the first whose conditions all hold decides: allow, deny with an errno, kill
 * the task's thread group, or log. Deny, kill and log write a JSON alert line.
 */
public final class PolicySink implements Sink {

    private static final Rule[] NONE = new Rule[0];

    private final Rule[][] rulesByPoint;
    private final AlertLog alerts;
    private final AtomicLong decisions = new AtomicLong();

    PolicySink(Map<Integer, List<Rule>> rules, AlertLog alerts) {
        this.rulesByPoint = new Rule[Point.ID_LIMIT][];
        for (int id = 0; id < rulesByPoint.length; id++) {
            List<Rule> l = rules.get(id);
            rulesByPoint[id] = l == null ? NONE : l.toArray(Rule[]::new);
        }
        this.alerts = alerts;
    }

    @Override
    public String name() {
        return "policy";
    }

    @Override
    public void containerStart(FieldSet fields, Start msg) throws SecurityCheckException {
        check(Point.CONTAINER_START, msg);
    }

    @Override
    public void clone(FieldSet fields, CloneInfo msg) throws SecurityCheckException {
        check(Point.CLONE, msg);
    }

    @Override
    public void execve(FieldSet fields, ExecveInfo msg) throws SecurityCheckException {
        check(Point.EXECVE, msg);
    }

    @Override
    public void exitNotifyParent(FieldSet fields, ExitNotifyParentInfo msg) throws SecurityCheckException {
        check(Point.EXIT_NOTIFY_PARENT, msg);
    }

    @Override
    public void taskExit(FieldSet fields, TaskExit msg) throws SecurityCheckException {
        check(Point.TASK_EXIT, msg);
    }

    @Override
    public void mmap(FieldSet fields, MmapInfo msg) throws SecurityCheckException {
        check(Point.MMAP, msg);
    }

    @Override
    public void syscall(Point point, FieldSet fields, MessageType type, Message msg) throws SecurityCheckException {
        check(point, msg);
    }

    @Override
    public void rawSyscall(Point point, FieldSet fields, Syscall msg) throws SecurityCheckException {
        check(point, msg);
    }

    @Override
    public void stop() {
        alerts.close();
    }

    /** Returns how many points a rule decided (any action), for tests and status. */
    public long decisions() {
        return decisions.get();
    }

    private void check(Point point, Message msg) throws SecurityCheckException {
        for (Rule rule : rulesByPoint[point.id()]) {
            if (!rule.matches(msg)) {
                continue;
            }
            decisions.incrementAndGet();
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
}

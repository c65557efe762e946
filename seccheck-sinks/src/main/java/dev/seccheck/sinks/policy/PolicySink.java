package dev.seccheck.sinks.policy;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.sink.PointSink;
import dev.seccheck.sink.SecurityCheckException;
import java.util.List;
import java.util.Map;

/**
 * PolicySink enforces rules written in its configuration: for each point, the rules naming it are
 * tried in order and the first whose conditions all hold decides: allow, deny with an errno, kill
 * the task's thread group, or log. Deny, kill and log write a JSON alert line.
 */
public final class PolicySink implements PointSink {

    private static final Rule[] NONE = new Rule[0];

    private final Rule[][] rulesByPoint;
    private final AlertLog alerts;

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
    public void point(Point point, FieldSet fields, MessageType type, Message msg) throws SecurityCheckException {
        for (Rule rule : rulesByPoint[point.id()]) {
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

    @Override
    public void stop() {
        alerts.close();
    }
}

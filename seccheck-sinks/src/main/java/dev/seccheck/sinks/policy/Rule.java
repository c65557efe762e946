package dev.seccheck.sinks.policy;

import com.google.protobuf.Message;
import java.util.List;

/**
 * Rule is one compiled policy rule: its place in the list, an optional label, the conditions
 * that must all hold, and its action.
 */
record Rule(int index, String label, List<Condition> conditions, Action action) {

    /** Condition: the key's value in the message matches. */
    record Condition(Key key, Matcher matcher) {
        boolean holds(Message msg) {
            return key.test(msg, matcher);
        }
    }

    Rule {
        conditions = List.copyOf(conditions);
    }

    boolean matches(Message msg) {
        for (Condition c : conditions) {
            if (!c.holds(msg)) {
                return false;
            }
        }
        return true;
    }
}

package dev.seccheck.sinks.policy;

import com.google.protobuf.Message;
import dev.seccheck.sink.Missing;
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

    /**
     * Returns the first missing field one of this rule's keys needs, provided every condition on
     * a value that was obtained holds (else the rule does not match whatever the missing value
     * was, and null is returned); null too when no key's value is missing.
     */
    Missing.Field undecidedBy(Message msg, Missing missing) {
        Missing.Field first = null;
        for (Condition c : conditions) {
            Missing.Field gap = c.key().missingIn(msg, missing);
            if (gap == null) {
                if (!c.holds(msg)) {
                    return null;
                }
            } else if (first == null) {
                first = gap;
            }
        }
        return first;
    }
}

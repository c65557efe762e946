package dev.seccheck.sinks.policy;

import com.google.protobuf.Message;
import dev.seccheck.sink.Missing;
import dev.seccheck.sink.ReachedFile;
import java.util.List;

/**
 * Rule is one compiled policy rule: its place in the list, an optional label, the conditions
 * that must all hold, and its action.
 */
record Rule(int index, String label, List<Condition> conditions, Action action) {

    /**
     * Condition: the key's value in the message matches, or (a path key) the file the sentry
     * reached is one the matcher names under another name ({@link FilesNamed}).
     *
     * @param files for a path key of an open, the files the matcher names; else {@link FilesNamed#NONE}
     */
    record Condition(Key key, Matcher matcher, FilesNamed files) {

        boolean holds(Message msg) {
            if (key.test(msg, matcher)) {
                return true;
            }
            if (files == FilesNamed.NONE) {
                return false;
            }
            ReachedFile reached = ReachedFile.current();
            return reached != null && files.names(reached);
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

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
     * @param path whether the condition is on the path of an open ({@code pathname} or
     *     {@code resolved_path} of an Open message): a new name can take a file out of its reach
     */
    record Condition(Key key, Matcher matcher, FilesNamed files, boolean path) {

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

        /** Whether it holds for a file at absolute path {@code name}, device and inode {@code file} (or null). */
        boolean holdsFor(String name, ReachedFile file) {
            return matcher.matchesString(name) || (file != null && files != FilesNamed.NONE && files.names(file));
        }
    }

    Rule {
        conditions = List.copyOf(conditions);
    }

    /** Whether the rule fails calls (deny or kill) rather than letting them through (allow, log). */
    boolean enforcing() {
        return action instanceof Action.Deny || action instanceof Action.Kill;
    }

    /** Whether the rule decides on the names of files: an enforcing rule with a condition on an open's path. */
    boolean onNames() {
        return enforcing() && conditions.stream().anyMatch(Condition::path);
    }

    /**
     * Whether every condition of this rule on an open's path holds for a file at {@code name}
     * (device and inode {@code file}, or null): the rule's other conditions are not considered,
     * since another task, or the same one later, may meet them.
     */
    boolean reaches(String name, ReachedFile file) {
        for (Condition c : conditions) {
            if (c.path() && !c.holdsFor(name, file)) {
                return false;
            }
        }
        return true;
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

package dev.seccheck.sinks.policy;

import java.util.Arrays;
import java.util.Locale;

/**
 * OnMissing is the policy sink's {@code on_missing} setting: what a deny or kill rule does when a
 * value it matches on could not be obtained for a point (memory not readable, a path longer than
 * PATH_MAX, an fd seccheck cannot resolve). The default fails closed: a hostile program must
 * not slip past a rule by making its argument unreadable to seccheck.
 */
enum OnMissing {
    /** Fail the operation (with the rule's errno, EPERM for a kill rule) and write an alert. */
    DENY,
    /** Take the rule as not matching: later rules decide. */
    ALLOW,
    /** Kill the task's thread group and write an alert. */
    KILL;

    /** Returns the setting named {@code name} (deny, allow, kill). */
    static OnMissing of(String name) {
        return Arrays.stream(values()).filter(v -> v.configName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown value \"" + name + "\" (deny, allow, kill)"));
    }

    /** Returns the name as written in the configuration. */
    String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}

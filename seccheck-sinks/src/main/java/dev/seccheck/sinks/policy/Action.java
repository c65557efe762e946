package dev.seccheck.sinks.policy;

/** Action is what a matching rule does; rules are tried in order and the first match decides. */
sealed interface Action {
    /** Let the operation go on, and stop looking at later rules. */
    record Allow() implements Action {}

    /** Fail the operation with this errno, and write an alert. */
    record Deny(int errno) implements Action {}

    /** Kill the task's thread group, and write an alert. */
    record Kill() implements Action {}

    /** Let the operation go on and write an alert. */
    record Log() implements Action {}
}

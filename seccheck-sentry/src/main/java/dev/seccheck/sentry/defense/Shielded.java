package dev.seccheck.sentry.defense;

/**
 * Shielded answers whether a task of the run is out of another task's reach, though both are of
 * the run: a task of a {@code seccheck exec} command (the operator's) from the program's tasks, and
 * a process whose exec is undecided (its new program, mapped before the decision) from every other
 * process. Asked of the target and the caller together: before, one predicate asked of each let a
 * caller whose own process was in an exec (a thread of it making failing execs in a loop) reach
 * another process held at its exec.
 */
@FunctionalInterface
public interface Shielded {

    /** No task is shielded: the run's tasks reach one another. */
    Shielded NONE = (target, caller) -> false;

    /** Whether task or process {@code target} is out of the reach of task {@code caller}. */
    boolean from(int target, int caller);
}

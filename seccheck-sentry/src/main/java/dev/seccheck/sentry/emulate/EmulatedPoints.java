package dev.seccheck.sentry.emulate;

import dev.seccheck.sentry.syscalls.FdPaths;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import dev.seccheck.sentry.syscalls.TaskMemory;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sink.NameChange;

/**
 * EmulatedPoints fires the points of a syscall seccheck performs itself, decoding the message
 * from the memory it is given (seccheck's copy of the arguments) instead of the program's.
 */
public interface EmulatedPoints {

    /**
     * Fires the enter or exit points of {@code ev}.
     *
     * @return 0, an errno from a denying sink, or {@code PointState.KILL}
     */
    int fire(Task task, SyscallEvent ev, TaskMemory mem, FdPaths fds);

    /**
     * Asks the sinks deciding on opening files whether they refuse {@code change}
     * ({@link dev.seccheck.sink.Sink#refuses}).
     */
    boolean refuses(NameChange change);

    /** Returns whether an exit point of syscall {@code nr} is enabled (else no exit is fired). */
    boolean wantsExit(int nr);
}

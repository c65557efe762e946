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
     * Fires the enter or exit points of {@code ev}: its schematized points, and the raw points
     * ({@code syscall/sysno/N}, the registers) of {@code made}, the syscall as the program made
     * it. The two differ for a call reported under another syscall's points (a send with an
     * address under connect's, openat2 under openat's): each subscriber then sees the call it asked
     * for, and the schematized points fire with {@link dev.seccheck.sink.MadeCall} bound. At an
     * exit the schematized points fire first, so that each call's lines close in turn.
     *
     * @param made {@code ev} when reported as made
     * @param raw false for an extra point of a call whose own raw points fire apart (connect's for
     *     each message of a sendmsg)
     * @return 0, an errno from a denying sink, or {@code PointState.KILL}
     */
    int fire(Task task, SyscallEvent ev, SyscallEvent made, boolean raw, TaskMemory mem, FdPaths fds);

    /**
     * Asks the sinks deciding on opening files whether they refuse {@code change}
     * ({@link dev.seccheck.sink.Sink#refuses}).
     */
    boolean refuses(NameChange change);

    /**
     * Asks the sinks deciding on opening files whether they refuse moving the names a mount
     * covers below a moved directory ({@link dev.seccheck.sink.Sink#refusesCovered}).
     */
    boolean refusesCovered(NameChange change);

    /**
     * Asks the sinks deciding on the unix paths sockets are bound to whether {@code change} may
     * give its name ({@link dev.seccheck.sink.Sink#decideSocketName}): 0, an errno, or
     * {@code PointState.KILL}.
     */
    int socketNameVerdict(NameChange change);

    /**
     * Asks the sinks deciding at sentry/execve whether the rename {@code move} takes a name they
     * deny executing out of their rules ({@link dev.seccheck.sink.Sink#movesOutOfWhatRuns}).
     */
    boolean movesOutOfWhatRuns(NameChange move);

    /** The run's record of files renamed out of a rule on what runs, which the exec events look at. */
    ExecutableMoves executableMoves();

    /**
     * The run's record of the objects the program reached by a decided route (O_PATH opens the
     * kernel made after a decision, directories a chdir, fchdir or chroot was decided on), shared
     * by the emulation and the tracer.
     */
    DecidedPathFiles decidedPathFiles();

    /**
     * Whether a sink decides at sentry/execve now. The argv and environment an exec is decided on
     * are the new program's from then on, read from its memory for as long as it runs (a loader's
     * LD_PRELOAD, a later getenv): the run's other processes may not write that memory
     * (process_vm_writev, /proc/PID/mem opened for writing), or a parent would change the strings
     * once they were decided.
     */
    boolean keepsExecStrings();

    /** Returns whether an exit point of syscall {@code nr}, raw or schematized, is enabled (else no exit is fired). */
    boolean wantsExit(int nr);

    /**
     * Process {@code tgid} opened a task's {@code comm} for writing: a write there renames one of
     * its threads, which seccheck does not see, so their names are read at every point from now on.
     */
    void namesWritable(int tgid);

    /**
     * A {@code comm} of task {@code tid} was opened for writing: the fd can reach a thread of that
     * task's process (a shared fd table, SCM_RIGHTS), whose write renames it; its names are read
     * at every point from now on too.
     */
    void namesWritableOfTask(int tid);
}

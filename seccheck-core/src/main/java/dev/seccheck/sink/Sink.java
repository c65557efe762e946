package dev.seccheck.sink;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.sentry.ExitNotifyParentInfo;
import dev.seccheck.proto.sentry.MmapInfo;
import dev.seccheck.proto.sentry.TaskExit;
import dev.seccheck.proto.syscall.Syscall;

/**
 * Sink receives the points of the session it belongs to. Each method handles one kind of point;
 * the defaults ignore it, so a sink implements only what it cares about.
 *
 * <p>A method that throws {@link SecurityCheckException} fails the checked operation with the
 * exception's errno: that is what makes a sink a security check. The sinks after it are still
 * called (a monitor must see the denied attempt); the operation gets the strongest answer, a kill
 * over a denial, and between denials the first. Any other exception is taken for a bug and fails
 * it the same way, with EPERM, and a logged warning: a check that breaks must not let the
 * operation through. Methods are called concurrently from the threads that fire points and must
 * not block for long: the checked task waits for them. They must not create or delete sessions
 * either: deleting a session waits for the deliveries in progress, the caller's included.
 *
 * <p>{@code fields} is what this sink's session asked for; the message holds exactly those
 * optional and context fields.
 */
public interface Sink {

    /** Returns the sink's name, as in the session configuration. */
    String name();

    /** Handles {@code container/start}: a monitored run began. */
    default void containerStart(FieldSet fields, Start msg) throws SecurityCheckException {}

    /** Handles {@code sentry/clone}: a task created a thread or process. */
    default void clone(FieldSet fields, CloneInfo msg) throws SecurityCheckException {}

    /** Handles {@code sentry/execve}: a task replaced its program. */
    default void execve(FieldSet fields, ExecveInfo msg) throws SecurityCheckException {}

    /**
     * Handles {@code sentry/execve} some of whose fields seccheck could not obtain ({@code missing},
     * never empty: {@link ExecveGaps}). The default ignores what is missing; a sink that decides on
     * field values overrides it, as for {@link #syscall(Point, FieldSet, MessageType, Message, Missing)}.
     */
    default void execve(FieldSet fields, ExecveInfo msg, Missing missing) throws SecurityCheckException {
        execve(fields, msg);
    }

    /** Handles {@code sentry/exit_notify_parent}: a process's exit was reported to its parent. */
    default void exitNotifyParent(FieldSet fields, ExitNotifyParentInfo msg) throws SecurityCheckException {}

    /** Handles {@code sentry/task_exit}: a task exited. */
    default void taskExit(FieldSet fields, TaskExit msg) throws SecurityCheckException {}

    /** Handles {@code sentry/mmap}: a file was mapped executable. */
    default void mmap(FieldSet fields, MmapInfo msg) throws SecurityCheckException {}

    /**
     * Handles {@code sentry/mmap} of a file seccheck could not name ({@code missing}: its
     * {@code mapped_path}); the default ignores what is missing, as for {@link #execve(FieldSet, ExecveInfo, Missing)}.
     */
    default void mmap(FieldSet fields, MmapInfo msg, Missing missing) throws SecurityCheckException {
        mmap(fields, msg);
    }

    /**
     * Handles a schematized syscall point ({@code syscall/<name>/enter|exit}); {@code type} says
     * which message {@code msg} is (e.g. {@code MESSAGE_SYSCALL_OPEN} for {@code gvisor.syscall.Open}).
     */
    default void syscall(Point point, FieldSet fields, MessageType type, Message msg) throws SecurityCheckException {}

    /**
     * Handles a schematized syscall point some of whose fields seccheck could not obtain
     * ({@code missing}, never empty: with nothing missing the 4-argument method is called). The
     * default ignores what is missing; a sink that decides on field values overrides it so that
     * an absent value is not taken for a harmless one.
     */
    default void syscall(Point point, FieldSet fields, MessageType type, Message msg, Missing missing)
            throws SecurityCheckException {
        syscall(point, fields, type, msg);
    }

    /** Handles a raw syscall point ({@code syscall/sysno/<N>/enter|exit}). */
    default void rawSyscall(Point point, FieldSet fields, Syscall msg) throws SecurityCheckException {}

    /**
     * Returns whether this sink may deny or kill at {@code point} (throw
     * {@link SecurityCheckException} from its handler) on what the point says. A supervisor makes
     * such a decision race-free only where it performs the checked syscall itself, which it sets up
     * when the run starts; a session created later that would decide where it cannot is refused.
     * The default says no: a sink that throws at a point because of its values says yes for it. A
     * sink that fails a point whatever it says (one that could not record it) need not: no value a
     * program could change decides.
     */
    default boolean decides(Point point) {
        return false;
    }

    /**
     * Asked, with no other effect, before the supervisor changes names for the program (a link,
     * rename, unlink, rmdir, mkdir, mknod, symlink, or a unix socket bound to a path) or changes a
     * file by name without opening it (truncate, chmod, chown, extended attributes); a rename is
     * asked as the move, then as its old name removed: returns whether this sink refuses it, which
     * fails the call with EPERM. A sink that denies opening files by name refuses a new name that
     * takes a file out of a rule's reach (a hard link or a move of a denied file into an allowed
     * directory), and a name the task may not open given another file, removed or its file
     * changed. The sink reports the refusal itself (the policy sink writes an alert). Called only
     * for sinks that {@link #decides decide} at an open point. The default refuses nothing.
     */
    default boolean refuses(NameChange change) {
        return false;
    }

    /**
     * Asked as {@link #refuses} is, for a directory below a directory the supervisor is about to
     * rename for the program ({@link NameChange#below}) that is a mount point: the mount covers
     * the names below it in the program's namespace, which the supervisor cannot list, and the
     * rename takes them along. Returns whether this sink refuses it: a sink that denies opening
     * files by name refuses where one of those names may be denied under one name and not the
     * other. The sink reports the refusal itself. The default refuses nothing.
     */
    default boolean refusesCovered(NameChange change) {
        return false;
    }

    /**
     * Asked, with no other effect, before the supervisor renames a file or a directory for the
     * program ({@link NameChange.Kind#MOVE}), for sinks that {@link #decides decide} at
     * sentry/execve: returns whether the rename takes a name this sink denies executing (for a
     * directory, one of the names below it) out of that denial. The kernel names an executed file
     * by its name at the exec event, which a rename made while the exec is in flight changes after
     * the kernel's open: the supervisor remembers the files so moved, and an exec in flight then
     * that ran one of them is killed rather than decided on its new name. The default says no.
     */
    default boolean movesOutOfWhatRuns(NameChange move) {
        return false;
    }

    /**
     * Returns whether this sink decides, at sentry/execve where it {@link #decides decides}, on
     * the file an exec ran (its path): then a rename may take a file out of that decision
     * ({@link #movesOutOfWhatRuns}), and the supervisor performs the program's renames itself.
     * Asked when the run starts, since the supervisor holds the renames then, and for a session
     * created later, which such a run refuses. The default says no.
     */
    default boolean decidesExecutedFiles() {
        return false;
    }

    /**
     * Returns whether this sink decides, at a bind point it {@link #decides decides} at, on the
     * unix path a socket is bound to: then a name given to a file through which such a socket
     * could be reached is a bind there too ({@link #decideSocketName}). Asked when the run starts,
     * since the supervisor holds the calls that give names then. The default says no.
     */
    default boolean decidesSocketNames() {
        return false;
    }

    /**
     * Asked, with no other effect, before the supervisor gives the name {@code change.to()} to a
     * file for the program (a link or rename of it, a symbolic link or a mknod made there: a
     * {@link NameChange.Kind#MOVE} or {@link NameChange.Kind#CREATE}), while this sink
     * {@link #decidesSocketNames decides on socket names}: a socket bound elsewhere and so named
     * would be reached there as if bound at that name, and a symbolic link or a directory given a
     * name above it would lead that name to a socket of the program's choosing. Throws as this
     * sink's decision on binding a socket at that name would (its errno, or a kill), reporting the
     * refusal itself; returns when it lets the name through. The default lets every name through.
     */
    default void decideSocketName(NameChange change) throws SecurityCheckException {}

    /** Returns the sink's counters; the default reports nothing dropped. */
    default SinkStatus status() {
        return SinkStatus.NONE;
    }

    /** Releases what the sink holds. Called once, after the sink's session stopped sending. */
    default void stop() {}
}

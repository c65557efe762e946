package dev.seccheck.sink;

import dev.seccheck.fields.FieldSet;
import dev.seccheck.proto.sentry.ExecveInfo;

/**
 * ScriptInterpreter is the program the kernel ran for an executed {@code #!} script.
 * {@code sentry/execve} describes the script, as gVisor does (its {@code binary_path} and
 * {@code binary_*} fields are the script's), but the kernel executed the interpreter too: a rule
 * that forbids running {@code /usr/bin/perl} must also hold for a script that starts with
 * {@code #!/usr/bin/perl}. gVisor's message has no field for it and the wire must not change, so
 * it is an in-process side value, bound by the sentry on the thread that fires sentry/execve for a
 * script, for that firing only: a sink that decides on what runs decides on {@link #describe} as
 * well. For nested scripts it is the binary the chain ended in.
 *
 * @param file the interpreter by device and inode, for rules on its names ({@link ReachedFile}),
 *     or null when it could not be looked at
 * @param describer the message as it would read had the interpreter been executed by name
 */
public record ScriptInterpreter(ReachedFile file, Describer describer) {

    /** Bound by the sentry while sentry/execve fires for a script; unbound everywhere else. */
    public static final ScopedValue<ScriptInterpreter> CURRENT = ScopedValue.newInstance();

    /** Describes the interpreter in the fields a session asked for. */
    @FunctionalInterface
    public interface Describer {
        /** Returns {@code script}, the message a session got, with its binary fields describing the interpreter. */
        ExecveInfo describe(FieldSet fields, ExecveInfo script);
    }

    /** Returns {@code script} with its {@code binary_path} and {@code binary_*} fields the interpreter's. */
    public ExecveInfo describe(FieldSet fields, ExecveInfo script) {
        return describer.describe(fields, script);
    }

    /** Returns the interpreter of the script whose sentry/execve fires on this thread, or null when none is. */
    public static ScriptInterpreter current() {
        return CURRENT.isBound() ? CURRENT.get() : null;
    }
}

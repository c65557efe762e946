package dev.seccheck.sink;

import dev.seccheck.fields.FieldSet;
import dev.seccheck.proto.sentry.ExecveInfo;
import java.util.List;

/**
 * ScriptChain is what else the kernel ran for an exec. {@code sentry/execve} describes the file
 * executed, as gVisor does (for a {@code #!} script its {@code binary_path} and {@code binary_*}
 * fields are the script's), but the kernel executed the program its {@code #!} line names too,
 * and when that is a script in turn, the one its line names, up to the binary the chain ends in;
 * and a dynamically linked binary's ELF interpreter ({@code PT_INTERP}, the dynamic loader), which
 * the kernel maps and starts first, whatever file the binary names there. A rule that forbids
 * running {@code /usr/bin/perl} must also hold for a script that starts with
 * {@code #!/usr/bin/perl}, one that forbids running {@code /opt/tools/wipe.sh} for a script that
 * starts with {@code #!/opt/tools/wipe.sh}, and one that forbids a program for a binary that names
 * it as its interpreter. gVisor's message has no field for them and the wire must not change, so
 * it is an in-process side value, bound by the sentry on the thread that fires sentry/execve, for
 * that firing only, when a sink decides on what runs: such a sink decides on each program of the
 * chain as well.
 *
 * @param programs the programs in the order the kernel ran them after the file passed: for a
 *     script, the scripts in between, if any, then the binary (the interpreter); last, the
 *     binary's ELF interpreter, if it has one
 */
public record ScriptChain(List<Program> programs) {

    /** Bound by the sentry while sentry/execve fires for an exec that ran more than one file; unbound everywhere else. */
    public static final ScopedValue<ScriptChain> CURRENT = ScopedValue.newInstance();

    public ScriptChain {
        programs = List.copyOf(programs);
    }

    /**
     * One program of the chain.
     *
     * @param file the program by device and inode, for rules on its names ({@link ReachedFile}), or
     *     null when it could not be looked at
     * @param describer the message as it would read had this program been executed by name
     */
    public record Program(ReachedFile file, Describer describer) {

        /** Returns {@code script}, the message a session got, with its binary fields describing this program. */
        public ExecveInfo describe(FieldSet fields, ExecveInfo script) {
            return describer.describe(fields, script);
        }
    }

    /** Describes one program of the chain in the fields a session asked for. */
    @FunctionalInterface
    public interface Describer {
        /** Returns {@code script}, the message a session got, with its binary fields describing the program. */
        ExecveInfo describe(FieldSet fields, ExecveInfo script);
    }

    /** Returns the chain of the exec whose sentry/execve fires on this thread, or null when none is. */
    public static ScriptChain current() {
        return CURRENT.isBound() ? CURRENT.get() : null;
    }
}

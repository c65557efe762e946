package dev.seccheck.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** TraceCommand groups the session commands, shaped like {@code runsc trace}. */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Manage trace sessions (runsc trace compatible).",
        subcommands = {
            MetadataCommand.class,
            TraceSessionCommands.Create.class,
            TraceSessionCommands.Delete.class,
            TraceSessionCommands.ListSessions.class,
            TraceSessionCommands.Procfs.class,
        })
final class TraceCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a trace command is required");
    }
}

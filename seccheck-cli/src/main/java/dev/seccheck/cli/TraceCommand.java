package dev.seccheck.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** TraceCommand groups the session commands, shaped like {@code runsc trace}. */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Manage trace sessions (runsc trace compatible).",
        footer = {"", "Examples:",
            "  seccheck trace create --config files.json RUN-ID     # add a session to a running workload",
            "  seccheck trace list RUN-ID                           # its sessions and each sink's drops",
            "  seccheck trace delete --name files RUN-ID",
            "  seccheck trace procfs RUN-ID | jq -r .exe            # its processes, for a late consumer",
            "  seccheck trace metadata                              # every point, field and sink key"},
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

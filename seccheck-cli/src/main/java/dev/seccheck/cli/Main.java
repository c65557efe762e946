package dev.seccheck.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Main is the {@code seccheck} command: it dispatches to the subcommands and maps failures to
 * exit codes (2 for usage errors, 1 for failures, the workload's status for {@code run}).
 */
@Command(
        name = "seccheck",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Runtime security checkpoints for Linux processes, compatible with gVisor's seccheck.",
        subcommands = {
            RunCommand.class,
            ExecCommand.class,
            MetadataCommand.class,
            TraceCommand.class,
            ListCommand.class,
            ServerCommand.class,
            TraceReplayCommand.class,
            CompletionCommand.class,
        },
        footer = {"", "Examples:",
            "  seccheck run -- make                                    # what make runs, opens, connects to",
            "  seccheck run -e trace=%file -o trace.txt -- make        # strace-like, file calls only",
            "  seccheck run --summary -- make                          # calls, errors and time per syscall",
            "  seccheck run --format json -- curl -s example.com | jq -c 'select(.errno_name)'",
            "  seccheck list; seccheck exec RUN-ID -- sh               # runs and a shell inside one",
            "  source <(seccheck completion)                           # tab completion in bash",
            "", "Each command has --help with its own examples."})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code, without exiting (for tests). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new Failures());
        return cli.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }
}

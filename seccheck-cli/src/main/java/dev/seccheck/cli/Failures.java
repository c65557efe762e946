package dev.seccheck.cli;

import dev.seccheck.format.Escape;
import picocli.CommandLine;

/**
 * Failures turns an exception escaping a command into one line on stderr and exit code 1 (a
 * program that cannot be started, by {@code run} or by the run for {@code exec}: 127 or 126, as
 * a shell says), and an {@link Error} the JVM can recover from (out of memory, a stack overflow)
 * into one line and exit code 1 too, never a stack trace; {@code SECCHECK_DEBUG=1} shows the
 * stack trace too. The line is escaped ({@link Escape#line}): messages quote file content and
 * names that a supervised program may have written (a trace file's config, a session name), and
 * a crafted one printed terminal escapes and whole lines that looked like seccheck's own. A usage
 * error keeps picocli's form (its message, then suggestions or the usage), its message escaped too.
 */
final class Failures implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        report(cmd, msg, e);
        return switch (e) {
            case dev.seccheck.sentry.SentryException se -> se.exitStatus();
            case dev.seccheck.control.ControlException ce when ce.exitStatus() != 0 -> ce.exitStatus(); // exec's command
            default -> 1;
        };
    }

    /**
     * Runs {@code args} on {@code cli} with this handler and returns the exit code. An Error
     * escapes picocli's handler (it only takes Exceptions): once it has unwound the command, the
     * memory or stack it ran out of is free again, so it is reported like a failure.
     */
    static int execute(CommandLine cli, String... args) {
        cli.setExecutionExceptionHandler(new Failures());
        cli.setParameterExceptionHandler(Failures::usageError);
        try {
            return cli.execute(args);
        } catch (Error e) {
            String what = switch (e) {
                case OutOfMemoryError _ -> "out of memory";
                case StackOverflowError _ -> "out of stack";
                default -> "internal error";
            };
            report(command(cli), what + " (" + e + ")", e);
            return 1;
        }
    }

    /**
     * A usage error as picocli prints it (its message, then suggestions or the usage), with the
     * message escaped like any other line: it quotes the argument given, which a script may have
     * built from names a program chose.
     */
    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        java.io.PrintWriter err = cmd.getErr();
        err.println(cmd.getColorScheme().errorText(Escape.line(String.valueOf(ex.getMessage()))));
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) {
            cmd.usage(err, cmd.getColorScheme());
        }
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** The command that was running: the deepest subcommand parsed, or {@code cli} if parsing did not finish. */
    private static CommandLine command(CommandLine cli) {
        CommandLine.ParseResult parsed = cli.getParseResult();
        if (parsed == null) {
            return cli;
        }
        while (parsed.hasSubcommand()) {
            parsed = parsed.subcommand();
        }
        return parsed.commandSpec().commandLine();
    }

    private static void report(CommandLine cmd, String msg, Throwable e) {
        cmd.getErr().println(Escape.line(cmd.getCommandSpec().qualifiedName() + ": " + msg));
        if (System.getenv("SECCHECK_DEBUG") != null) {
            e.printStackTrace(cmd.getErr());
        }
    }
}

package dev.seccheck.cli;

import picocli.CommandLine;

/**
 * Failures turns an exception escaping a command into one line on stderr and exit code 1 (a
 * program that cannot be started, by {@code run} or by the run for {@code exec}: 127 or 126, as
 * a shell says);
 * {@code SECCHECK_DEBUG=1} shows the stack trace too.
 */
final class Failures implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + msg);
        if (System.getenv("SECCHECK_DEBUG") != null) {
            e.printStackTrace(cmd.getErr());
        }
        return switch (e) {
            case dev.seccheck.sentry.SentryException se -> se.exitStatus();
            case dev.seccheck.control.ControlException ce when ce.exitStatus() != 0 -> ce.exitStatus(); // exec's command
            default -> 1;
        };
    }
}

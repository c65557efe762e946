package dev.seccheck.cli;

import dev.seccheck.abi.Signal;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Signals;
import dev.seccheck.linux.StandardOutput;
import dev.seccheck.sentry.emulate.Emulator;
import java.io.BufferedOutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Main is the {@code seccheck} command: it dispatches to the subcommands and maps failures to
 * exit codes (2 for usage errors, 1 for failures, the workload's status for {@code run} and
 * {@code exec}, or the signal that killed it).
 */
@Command(
        name = "seccheck",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Runtime security checkpoints for Linux processes, compatible with gVisor's seccheck.",
        footer = {"", "Examples:",
            "  seccheck run -- make                      # what make runs, opens, connects to",
            "  seccheck run -e trace=%%file -o t.txt -- make   # strace-like, file calls only",
            "  seccheck run --summary -- make            # calls, errors, time per syscall",
            "  seccheck run --format json -- curl -s x.org | jq -c 'select(.errno_name)'",
            "  seccheck list; seccheck exec RUN-ID -- sh  # the runs; a shell inside one",
            "  source <(seccheck completion)             # tab completion in bash",
            "", "Each command has --help with its own examples."})
public final class Main implements Runnable {

    /** The subcommands, in the order help lists them. */
    static final List<Class<?>> COMMANDS = List.of(
            RunCommand.class,
            ExecCommand.class,
            MetadataCommand.class,
            TraceCommand.class,
            ListCommand.class,
            ServerCommand.class,
            TraceReplayCommand.class,
            CompletionCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The signal that killed the program {@code run} or {@code exec} ran, 0 if none: this process ends by it too. */
    private static volatile int programSignal;

    public static void main(String[] args) {
        writeToTheTerminalFromTheBackground();
        Emulator.blockSocketCallInterrupts(); // before any other thread starts, so that all of them inherit it
        System.setOut(waitingWhenFull(1, System.out));
        System.setErr(waitingWhenFull(2, System.err));
        int code = execute(args);
        SignalForwarding.release();
        int sig = programSignal;
        if (sig != 0) {
            // As strace does: the shell that started seccheck sees its command killed by the signal
            // (it prints "Terminated", a script stops on INT), not an exit with 128+N.
            System.out.flush();
            System.err.flush();
            Signals.dieBy(sig);
        }
        System.exit(code);
    }

    /**
     * A supervised program shares seccheck's terminal: it can make its own process group the
     * terminal's foreground and set TOSTOP, after which every write seccheck makes to the terminal
     * sends SIGTTOU to seccheck's process group. Caught (to forward it) the write restarts and
     * signals again for ever; not caught, it stops seccheck. Either way the program's next held
     * call waits on a supervisor that never answers. A thread that blocks SIGTTOU writes anyway, as
     * the kernel lets it, so every thread of seccheck blocks it: this one before it starts any
     * other. A TTOU sent to seccheck (by a shell or a user) is still taken by the JVM's own
     * threads, started before this one ran, and forwarded to the program as before.
     */
    private static void writeToTheTerminalFromTheBackground() {
        try {
            Signals.blockInThisThread(Signal.SIGTTOU);
        } catch (LinuxException e) {
            throw new IllegalStateException("cannot block SIGTTOU in seccheck's threads", e);
        }
    }

    /**
     * A stream for standard descriptor {@code fd} like {@code replaced} (buffered, flushed at each
     * line, its charset) whose writes wait when the program made the descriptor's open file
     * description, which it shares, non-blocking and then filled it ({@link StandardOutput}).
     */
    private static PrintStream waitingWhenFull(int fd, PrintStream replaced) {
        replaced.flush();
        return new PrintStream(new BufferedOutputStream(new StandardOutput(fd), 8192), true, replaced.charset());
    }

    /** Makes {@link #main} end this process by {@code sig} once the command is done. */
    static void endBy(int sig) {
        programSignal = sig;
    }

    /** Runs the command line and returns the exit code, without exiting (for tests). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        for (Class<?> command : commandsFor(args)) {
            cli.addSubcommand(command);
        }
        return Failures.execute(cli, args);
    }

    /**
     * The subcommands to build for {@code args}: the one its first argument names, if it names
     * one, else all of them (help, version and usage errors list or match every command). picocli
     * builds a command's model eagerly, by reflection over every option of every subcommand
     * (each annotation read is an instance of a proxy class the JDK generates at every start):
     * building {@code run} alone spares {@code seccheck run} the models of the seven others.
     */
    static List<Class<?>> commandsFor(String... args) {
        if (args.length > 0) {
            for (Class<?> command : COMMANDS) {
                Command annotation = command.getAnnotation(Command.class);
                if (annotation.name().equals(args[0]) || Arrays.asList(annotation.aliases()).contains(args[0])) {
                    // The completion script is generated from the whole command tree.
                    return command == CompletionCommand.class ? COMMANDS : List.of(command);
                }
            }
        }
        return COMMANDS;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }
}

package dev.seccheck.cli;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * CliModelProbe times, in a fresh JVM, building {@code run}'s picocli model from its annotations
 * ({@code ann}) against a model of the same shape built with picocli's programmatic API
 * ({@code prog}: 17 options and the command's positional list), and parsing one command line with
 * it (issue 13, BENCHMARKS.md "Session 38"). In package dev.seccheck.cli to reach RunCommand.
 *
 * <p>Run from the repository root after building the CLI (./seccheck --version), with the
 * launcher's flags and AOT cache, alternating the two:
 * <pre>
 * . scripts/jvm.sh; l=seccheck-cli/target/lib; seccheck_jvm_flags "$(ls $l/seccheck-native-*.jar):$(ls $l/seccheck-abi-*.jar)"
 * cp="$(ls seccheck-cli/target/seccheck-cli-*.jar)$(ls $l/*.jar | grep -v -e native- -e abi- | sed 's/^/:/' | tr -d '\n')"
 * javac -d /tmp/probe -cp "$cp" bench/CliModelProbe.java
 * for m in ann prog ann prog; do java "${jvm[@]}" -XX:AOTCache=.seccheck-build/app.aot -cp "$cp:/tmp/probe" dev.seccheck.cli.CliModelProbe $m; done
 * </pre>
 */
public final class CliModelProbe {
    private CliModelProbe() {}

    public static void main(String[] args) {
        boolean annotated = args[0].equals("ann");
        long t0 = System.nanoTime();
        CommandLine cli;
        if (annotated) {
            cli = new CommandLine(new Main());
            cli.addSubcommand(RunCommand.class);
        } else {
            cli = new CommandLine(CommandSpec.create().name("seccheck").mixinStandardHelpOptions(true));
            CommandSpec run = CommandSpec.create().name("run").mixinStandardHelpOptions(true);
            run.usageMessage().description("Run a command").footer("x");
            for (int i = 0; i < 17; i++) {
                run.addOption(OptionSpec.builder("--opt" + i).paramLabel("FILE").type(List.class)
                        .auxiliaryTypes(Path.class).description("Option " + i).build());
            }
            run.addPositional(PositionalParamSpec.builder().paramLabel("CMD").arity("0..*").type(List.class)
                    .auxiliaryTypes(String.class).build());
            cli.addSubcommand("run", new CommandLine(run));
        }
        long t1 = System.nanoTime();
        cli.parseArgs(annotated ? new String[] {"run", "--quiet", "--", "/bin/true"}
                : new String[] {"run", "--opt1", "x", "--", "/bin/true"});
        long t2 = System.nanoTime();
        System.out.printf("%s: model %.1f ms, parse %.1f ms%n", args[0], (t1 - t0) / 1e6, (t2 - t1) / 1e6);
    }
}

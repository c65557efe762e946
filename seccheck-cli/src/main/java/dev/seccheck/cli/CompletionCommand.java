package dev.seccheck.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * CompletionCommand prints the bash (and zsh, through bashcompinit) completion script picocli
 * generates from the command tree, so completion always knows every command and option.
 */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = "Print the shell completion script for bash (zsh: after autoload bashcompinit; bashcompinit).",
        footer = {"", "Examples:",
            "  source <(./seccheck completion)                       # this shell",
            "  ./seccheck completion > ~/.local/share/bash-completion/completions/seccheck"})
final class CompletionCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        var out = spec.commandLine().getOut();
        out.print(AutoComplete.bash("seccheck", spec.parent().commandLine()));
        out.flush();
    }
}

package dev.bellm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code bellm} command line. */
@Command(name = "bellm", mixinStandardHelpOptions = true, version = "bellm 0.1.0",
        description = "BeLLM sentence encoders from decoder-only LLMs, in pure Java.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}

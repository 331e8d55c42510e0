package dev.bellm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code bellm} command line. */
@Command(name = "bellm", mixinStandardHelpOptions = true, version = "bellm 0.1.0",
        description = "BeLLM sentence encoders from decoder-only LLMs, in pure Java.",
        subcommands = {DemoCommand.class, EmbedCommand.class, EvalCommand.class, TrainCommand.class, SweepCommand.class,
                ExplainCommand.class, DistillCommand.class, MergeCommand.class, GenerateCommand.class, InfoCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        // a bad model, file or flag is the user's to fix: one clear line, no stack trace (BELLM_DEBUG=1 shows it)
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (System.getenv("BELLM_DEBUG") != null) e.printStackTrace();
            cmd.getErr().println("bellm " + cmd.getCommandName() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return e instanceof IllegalArgumentException || e instanceof IllegalStateException
                    || e instanceof dev.bellm.io.CheckpointException || e instanceof java.io.IOException ? 2 : 1;
        });
        return cli;
    }
}

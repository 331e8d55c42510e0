package dev.bellm.cli;

import picocli.CommandLine;

import java.io.PrintStream;
import picocli.CommandLine.Command;

/** Entry point of the {@code bellm} command line. */
@Command(name = "bellm", mixinStandardHelpOptions = true, version = "bellm 0.1.0",
        description = "BeLLM sentence encoders from decoder-only LLMs, in pure Java.",
        subcommands = {DemoCommand.class, EmbedCommand.class, EvalCommand.class, TrainCommand.class, SweepCommand.class,
                MergeCommand.class, GenerateCommand.class, InfoCommand.class, ServeCommand.class,
                TokenizeCommand.class, QuantizeCommand.class, IndexCommand.class, SearchCommand.class,
                ExplainCommand.class, DistillCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(commandLine(), args, System.err));
    }

    /** Exit status when the JVM itself failed (out of memory, a missing class): not the user's input, but no trace either. */
    static final int JVM_ERROR = 3;

    /**
     * Runs the command line. picocli hands only Exceptions to the handler; an {@link Error} (out of memory, a class
     * missing from a broken jar, a stack overflow) would escape as a raw stack trace, so it becomes one line here.
     */
    static int execute(CommandLine cli, String[] args, PrintStream err) {
        try {
            return cli.execute(args);
        } catch (Error e) {
            if (System.getenv("BELLM_DEBUG") != null) e.printStackTrace(err);
            String what = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
            err.println("bellm: " + switch (e) {
                case OutOfMemoryError oom -> "out of memory (" + what + "); give the JVM more memory (e.g. BELLM_JAVA_OPTS=-Xmx32g)"
                        + " or use smaller inputs (--batch-size, --max-tokens)";
                case StackOverflowError so -> "stack overflow (" + what + "); the input nests too deeply";
                default -> "the JVM failed: " + what + " (a broken installation? BELLM_DEBUG=1 shows the stack trace)";
            });
            err.flush();
            return JVM_ERROR;
        }
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

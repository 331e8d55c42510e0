package dev.bellm.cli;

import dev.bellm.generate.Generator;
import dev.bellm.model.ModelWeights;
import dev.bellm.model.Transformer;
import dev.bellm.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Plain causal text generation: the check that the language-model path is right.",
        footer = {"", "Example (must print ../shared/models/stories260K/greedy256_from_BOS.txt):",
                "  ./bellm generate --model ../shared/models/stories260K/stories260K.bin --steps 256 --temperature 0"})
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "", description = "Text to continue. Default: start from BOS alone.")
    String prompt;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "256", description = "Positions to run, prompt included. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "1.0", description = "0 for greedy. Default: ${DEFAULT-VALUE}.")
    double temperature;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Sampling seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Override
    public Integer call() {
        ModelWeights weights = model.load();
        Tokenizer tok = model.loadTokenizer();
        tok.checkFits(weights.config().vocabSize(), model.model);
        Transformer t = new Transformer(weights, model.kernels());
        int[] promptIds = tok.encode(prompt);
        if (promptIds.length == 0 || promptIds[0] != weights.config().bosTokenId()) {
            int[] withBos = new int[promptIds.length + 1];
            withBos[0] = weights.config().bosTokenId();
            System.arraycopy(promptIds, 0, withBos, 1, promptIds.length);
            promptIds = withBos;
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        int[][] sofar = {promptIds};
        String[] printed = {tok.decode(promptIds)};
        out.print(printed[0]);
        int[] all = new Generator(t).generate(promptIds, steps, temperature, seed, next -> {
            int[] ids = Arrays.copyOf(sofar[0], sofar[0].length + 1);
            ids[ids.length - 1] = next;
            sofar[0] = ids;
            String text = tok.decode(ids);
            // hold back while a multi-byte character is still incomplete
            if (text.startsWith(printed[0]) && !text.endsWith("\uFFFD")) {
                out.print(text.substring(printed[0].length()));
                printed[0] = text;
            }
        });
        String text = tok.decode(all);
        if (text.startsWith(printed[0])) out.print(text.substring(printed[0].length()));
        out.println();
        return 0;
    }
}

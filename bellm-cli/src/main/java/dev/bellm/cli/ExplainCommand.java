package dev.bellm.cli;

import dev.bellm.embed.Embedder;
import dev.bellm.explain.ExplanationJson;
import dev.bellm.explain.SimilarityExplainer;
import dev.bellm.explain.SimilarityExplainer.Explanation;
import dev.bellm.explain.SimilarityExplainer.Token;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;

@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Why two sentences get their similarity: token attributions and attention maps.",
                "Integrated gradients of the cosine along the input embeddings (hand-written backward), completeness",
                "checked, and the attention maps of chosen layers, for the encoder as given and the same model causal,",
                "side by side. Writes DIR/explain.json, DIR/attributions.png and DIR/attention-layer<L>.png."},
        footer = {"", "Examples:",
                "  ./bellm explain --model ../shared/models/stories260K/stories260K.bin --pooling mean --bidirectional-from 4 \\",
                "      --adapter runs/demo/train/best \"A man is playing a guitar.\" \"A person plays music.\" --output runs/explain"})
final class ExplainCommand implements Callable<Integer> {
    @Mixin
    EmbeddingOptions options;

    @Parameters(index = "0", paramLabel = "SENTENCE_A")
    String sentenceA;

    @Parameters(index = "1", paramLabel = "SENTENCE_B")
    String sentenceB;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Folder for explain.json and the PNGs.")
    Path output;

    @Option(names = "--layers", paramLabel = "LIST",
            description = "Layers whose attention maps to draw, e.g. 0,4. Default: the first, the first bidirectional one and the last.")
    String layers;

    @Option(names = "--steps", defaultValue = "32", description = "Integration intervals to start with. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--max-steps", defaultValue = "2048", description = "Most intervals (doubled until completeness holds). Default: ${DEFAULT-VALUE}.")
    int maxSteps;

    @Option(names = "--tolerance", defaultValue = "1e-3",
            description = "Allowed |sum of attributions - (cos - baseline cos)|. Default: ${DEFAULT-VALUE}.")
    double tolerance;

    @Override
    public Integer call() throws Exception {
        Embedder given = options.builder().build();
        Map<String, Embedder> encoders = new LinkedHashMap<>();
        Embedder causal = given.bidirectionalFrom() == dev.bellm.model.Transformer.CAUSAL ? given
                : Embedder.builder().model(given.transformer().weights(), given.tokenizer()).kernels(given.transformer().kernels())
                        .pooling(given.pooling()).prompt(options.encoder.promptTemplate()).build();
        encoders.put("causal", causal);
        if (given != causal) encoders.put("bellm", given);

        List<Integer> chosen = chosenLayers(given);
        SimilarityExplainer.Options o = new SimilarityExplainer.Options(steps, maxSteps, tolerance, chosen);
        Map<String, Explanation> explanations = new LinkedHashMap<>();
        Map<String, Map<String, Object>> settings = new LinkedHashMap<>();
        for (Map.Entry<String, Embedder> e : encoders.entrySet()) {
            Explanation x = new SimilarityExplainer(e.getValue()).explain(sentenceA, sentenceB, o);
            explanations.put(e.getKey(), x);
            Map<String, Object> s = new LinkedHashMap<>(e.getValue().settings());
            s.put("model", options.model.model.toString());
            s.put("adapter", options.adapter == null ? null : options.adapter.toString());
            settings.put(e.getKey(), s);
            print(e.getKey(), x);
        }
        ExplanationJson.write(output.resolve("explain.json"), explanations, settings);
        ExplainPlots.attributions(output.resolve("attributions.png"), explanations);
        for (int i = 0; i < chosen.size(); i++) {
            ExplainPlots.attention(output.resolve("attention-layer" + chosen.get(i) + ".png"), chosen.get(i), explanations, i);
        }
        System.err.println("bellm explain: wrote " + output.resolve("explain.json") + ", attributions.png and "
                + chosen.size() + " attention map(s)");
        boolean converged = explanations.values().stream().allMatch(Explanation::converged);
        if (!converged) System.err.println("bellm explain: completeness not within --tolerance at --max-steps; raise --max-steps");
        return converged ? 0 : 3;
    }

    private List<Integer> chosenLayers(Embedder given) {
        int n = given.transformer().config().numLayers();
        TreeSet<Integer> set = new TreeSet<>();
        if (layers == null) {
            set.add(0);
            if (given.bidirectionalFrom() < n) set.add(given.bidirectionalFrom());
            set.add(n - 1);
        } else {
            for (String raw : layers.split(",")) {
                if (raw.isBlank()) continue;
                try {
                    set.add(Integer.parseInt(raw.strip()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--layers takes layer numbers like 0,4, got '" + raw.strip() + "'");
                }
            }
        }
        return new ArrayList<>(set);
    }

    private static void print(String name, Explanation x) {
        System.out.printf(Locale.ROOT, "%s: cos %.4f (baseline %.4f); attributions sum to %.4f, completeness error %.2e (tolerance %.0e, %d steps)%n",
                name, x.similarity(), x.baselineSimilarity(), x.attributionSum(), x.completenessError(), x.tolerance(), x.steps());
        for (var s : List.of(x.a(), x.b())) {
            StringBuilder line = new StringBuilder("  ");
            for (Token t : s.tokens()) {
                if (t.inSentence()) line.append(String.format(Locale.ROOT, "%s[%+.3f] ", t.piece().strip(), t.attribution()));
            }
            System.out.println(line.toString().stripTrailing());
        }
    }
}

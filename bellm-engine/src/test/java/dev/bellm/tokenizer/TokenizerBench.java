package dev.bellm.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Load time and single-thread encode throughput of a tokenizer.json, bellm's pure-Java implementation against the Rust
 * library through DJL (test scope only). Usage: {@code TokenizerBench DIR SENTENCES_JSON [ROUNDS]}; figures in
 * docs/PERFORMANCE.md. Each implementation is loaded {@code ROUNDS} times (the first load is reported apart: it includes
 * class loading, and for DJL extracting the native library), then encodes all sentences {@code ROUNDS} times after one
 * warm-up pass.
 */
public final class TokenizerBench {
    private TokenizerBench() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        List<String> sentences = new ArrayList<>();
        new ObjectMapper().readTree(Path.of(args[1]).toFile()).forEach(s -> sentences.add(s.textValue()));
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        String which = args.length > 3 ? args[3] : "both";
        if (!which.equals("djl")) {
            run("bellm (pure Java)", rounds, sentences, () -> {
                HfTokenizer t = HfTokenizer.load(dir);
                return t::encode;
            });
        }
        if (!which.equals("java")) {
            run("DJL (Rust, JNI)", rounds, sentences, () -> {
                HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"),
                        Map.of("truncation", "false", "padding", "false"));
                return text -> {
                    long[] ids = t.encode(text, true, false).getIds();
                    return new int[ids.length];
                };
            });
        }
    }

    interface Encoder {
        int[] encode(String text);
    }

    interface Loader {
        Encoder load() throws Exception;
    }

    private static void run(String name, int rounds, List<String> sentences, Loader loader) throws Exception {
        double[] loads = new double[rounds];
        Encoder encoder = null;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            encoder = loader.load();
            loads[r] = (System.nanoTime() - t0) / 1e9;
        }
        long t0 = System.nanoTime();
        long tokens = 0;
        for (String s : sentences) tokens += encoder.encode(s).length; // first pass: cold per-word caches
        double firstPass = (System.nanoTime() - t0) / 1e9;
        double[] passes = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            t0 = System.nanoTime();
            for (String s : sentences) encoder.encode(s);
            passes[r] = (System.nanoTime() - t0) / 1e9;
        }
        double[] laterLoads = Arrays.copyOfRange(loads, 1, loads.length);
        Arrays.sort(laterLoads);
        Arrays.sort(passes);
        System.out.printf("%-18s first load %.3f s, median later load %.3f s; first pass %.0f sentences/s, median pass %.0f"
                        + " sentences/s (%d sentences, %d tokens)%n", name, loads[0],
                laterLoads.length == 0 ? loads[0] : laterLoads[laterLoads.length / 2], sentences.size() / firstPass,
                sentences.size() / passes[passes.length / 2], sentences.size(), tokens);
    }
}

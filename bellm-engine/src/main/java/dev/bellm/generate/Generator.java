package dev.bellm.generate;

import dev.bellm.model.KvCache;
import dev.bellm.model.Transformer;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Plain causal generation, as llama2.c's {@code run} does it: feed the prompt tokens one position at a time,
 * then sample (argmax at temperature 0) until {@code steps} positions are filled or BOS/EOS comes out.
 */
public final class Generator {
    private final Transformer transformer;

    public Generator(Transformer transformer) {
        this.transformer = transformer;
    }

    /**
     * @param prompt      token ids to start from (at least one, usually BOS first)
     * @param steps       positions run through the model, prompt included (as llama2.c's {@code -n}); the token
     *                    sampled at the last position is still returned, so up to steps − prompt + 1 come out
     * @param temperature 0 for greedy decoding
     * @param onToken     receives each generated token as it comes
     * @return prompt and generated tokens
     */
    public int[] generate(int[] prompt, int steps, double temperature, long seed, IntConsumer onToken) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt needs at least one token (BOS)");
        if (temperature < 0) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (steps < prompt.length) {
            throw new IllegalArgumentException("steps (" + steps + ") must cover the prompt's " + prompt.length + " tokens");
        }
        int bos = transformer.config().bosTokenId(), eos = transformer.config().eosTokenId();
        KvCache cache = transformer.newCache(steps);
        SplittableRandom rng = new SplittableRandom(seed);
        int[] tokens = Arrays.copyOf(prompt, steps + 1);
        int length = prompt.length;
        float[] logits = transformer.nextTokenLogits(cache, prompt);
        while (true) {
            int next = temperature == 0 ? argmax(logits) : sample(logits, temperature, rng);
            if (next == bos || next == eos) break;
            tokens[length++] = next;
            onToken.accept(next);
            if (cache.length() >= steps) break;
            logits = transformer.nextTokenLogits(cache, next);
        }
        return Arrays.copyOf(tokens, length);
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    static int sample(float[] logits, double temperature, SplittableRandom rng) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l / temperature);
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) sum += p[i] = Math.exp(logits[i] / temperature - max);
        double r = rng.nextDouble() * sum;
        for (int i = 0; i < p.length; i++) {
            r -= p[i];
            if (r <= 0) return i;
        }
        return p.length - 1;
    }
}

package dev.bellm.model;

import dev.bellm.kernels.Kernels;
import dev.bellm.tensor.Matrix;

import java.util.Arrays;

/**
 * The decoder forward (and backward) pass for LLaMA, Mistral, Qwen2, Qwen3 and llama2.c checkpoints, with
 * the BeLLM change: layer {@code l} attends bidirectionally iff {@code l >= bidirectionalFrom}, else causally.
 *
 * <p>One layer, read top to bottom in {@link #layerForward}:
 * {@code xn = RMSNorm(x)}; {@code q, k, v = xn·Wqᵀ (+b), …}; (qwen3) per-head RMSNorm of q and k; RoPE;
 * grouped-query attention scaled by {@code 1/sqrt(head_dim)}; {@code h = x + o_proj(att)};
 * {@code out = h + down(silu(gate(RMSNorm(h))) · up(RMSNorm(h)))}. A final RMSNorm follows the last layer.
 *
 * <p>Sequences of a {@link Batch} are packed without padding, so no sequence sees another's tokens and none
 * spends compute on padding. Training keeps only each layer's input and recomputes the layer's inside during
 * the backward pass, so activation memory grows with layers × tokens × hidden, not with the layer's width.
 */
public final class Transformer {
    /** {@code bidirectionalFrom} value for a fully causal model. */
    public static final int CAUSAL = Integer.MAX_VALUE;

    private final ModelWeights weights;
    private final ModelConfig config;
    private final Kernels kernels;
    private final Rope rope;

    public Transformer(ModelWeights weights, Kernels kernels) {
        this.weights = weights;
        this.config = weights.config();
        this.kernels = kernels;
        this.rope = new Rope(config);
    }

    public ModelWeights weights() {
        return weights;
    }

    public ModelConfig config() {
        return config;
    }

    public Kernels kernels() {
        return kernels;
    }

    private void checkBidirectionalFrom(int from) {
        if (from < 0) {
            throw new IllegalArgumentException("bidirectionalFrom must be in [0, " + config.numLayers() + "] or CAUSAL, got " + from);
        }
    }

    /** Final-norm hidden states {@code [tokens, hidden]} of every sequence of the batch, each computed alone. */
    public float[] hiddenStates(Batch batch, int bidirectionalFrom) {
        checkBidirectionalFrom(bidirectionalFrom);
        Activations a = new Activations(batch.tokenCount(), false);
        embed(batch.tokens(), a.x);
        for (int l = 0; l < config.numLayers(); l++) {
            layerForward(l, batch, l >= bidirectionalFrom, a, null, null);
            float[] next = a.out;
            a.out = a.x;
            a.x = next;
        }
        float[] hidden = new float[batch.tokenCount() * config.hiddenSize()];
        Ops.rmsnormForward(a.x, weights.norm(), (float) config.rmsNormEps(), 0, batch.tokenCount(), config.hiddenSize(), hidden, null);
        return hidden;
    }

    // ---------------------------------------------------------------- shared prompt prefixes

    /**
     * The states of a fixed prompt prefix (e.g. the tokens of an embedding prompt before the text), computed once:
     * in every causal layer below {@code bidirectionalFrom} they are the same whatever follows, so their keys and
     * values can serve every sequence that starts with them. Layers from {@code bidirectionalFrom} on see the whole
     * sequence both ways, so there the prefix is recomputed with each sequence, from its states entering the first
     * bidirectional layer (kept here). Immutable; safe to share between threads.
     */
    public static final class PromptPrefix {
        private final int[] tokens;
        private final int bidirectionalFrom;
        /** Layers [0, causalLayers) reuse the prefix's keys and values. */
        private final int causalLayers;
        private final float[][] keys, values;
        /** The prefix's states entering layer causalLayers; for an all-causal model, its final-norm states. */
        private final float[] boundary;

        private PromptPrefix(int[] tokens, int bidirectionalFrom, int causalLayers, float[][] keys, float[][] values, float[] boundary) {
            this.tokens = tokens;
            this.bidirectionalFrom = bidirectionalFrom;
            this.causalLayers = causalLayers;
            this.keys = keys;
            this.values = values;
            this.boundary = boundary;
        }

        public int length() {
            return tokens.length;
        }

        public int[] tokens() {
            return tokens.clone();
        }

        public int bidirectionalFrom() {
            return bidirectionalFrom;
        }

        /** Whether {@code sequence} starts with this prefix and has at least one token after it. */
        public boolean prefixes(int[] sequence) {
            return sequence.length > tokens.length && Arrays.equals(sequence, 0, tokens.length, tokens, 0, tokens.length);
        }
    }

    /** Runs {@code tokens} alone through the causal layers below {@code bidirectionalFrom} and keeps what reuse needs. */
    public PromptPrefix prefix(int[] tokens, int bidirectionalFrom) {
        checkBidirectionalFrom(bidirectionalFrom);
        if (tokens.length == 0) throw new IllegalArgumentException("a prompt prefix needs at least one token");
        int layers = config.numLayers(), causal = Math.min(bidirectionalFrom, layers), p = tokens.length;
        Batch batch = Batch.of(tokens);
        Activations a = new Activations(p, false);
        embed(tokens, a.x);
        float[][] keys = new float[causal][], values = new float[causal][];
        for (int l = 0; l < causal; l++) {
            layerForward(l, batch, false, a, null, null);
            keys[l] = Arrays.copyOf(a.k, p * config.kvDim());
            values[l] = Arrays.copyOf(a.v, p * config.kvDim());
            float[] next = a.out;
            a.out = a.x;
            a.x = next;
        }
        float[] boundary = a.x.clone();
        if (causal == layers) {
            boundary = new float[p * config.hiddenSize()];
            Ops.rmsnormForward(a.x, weights.norm(), (float) config.rmsNormEps(), 0, p, config.hiddenSize(), boundary, null);
        }
        return new PromptPrefix(tokens.clone(), bidirectionalFrom, causal, keys, values, boundary);
    }

    /**
     * Final-norm hidden states of every sequence {@code prefix + suffixes[s]}, {@code [Σ (P + len_s), hidden]}, the same
     * bits as {@link #hiddenStates(Batch, int)} on the prefixed sequences with the prefix's {@code bidirectionalFrom}
     * (with kernels whose rows are batch-invariant bit for bit, as {@code VectorKernels}' are). The causal layers run
     * only the suffix tokens, attending to the prefix's cached keys and values.
     */
    public float[] hiddenStates(Batch suffixes, PromptPrefix prefix) {
        int p = prefix.length(), h = config.hiddenSize(), layers = config.numLayers();
        Activations a = new Activations(suffixes.tokenCount(), false);
        embed(suffixes.tokens(), a.x);
        for (int l = 0; l < prefix.causalLayers; l++) {
            layerForward(l, suffixes, false, a, null, null, prefix);
            float[] next = a.out;
            a.out = a.x;
            a.x = next;
        }
        int[][] full = new int[suffixes.size()][];
        for (int s = 0; s < suffixes.size(); s++) {
            full[s] = new int[p + suffixes.length(s)];
            System.arraycopy(prefix.tokens, 0, full[s], 0, p);
            System.arraycopy(suffixes.tokens(), suffixes.offsets()[s], full[s], p, suffixes.length(s));
        }
        Batch batch = Batch.of(full);
        float[] suffixStates = a.x;
        if (prefix.causalLayers == layers) {
            float[] normed = new float[suffixes.tokenCount() * h];
            Ops.rmsnormForward(suffixStates, weights.norm(), (float) config.rmsNormEps(), 0, suffixes.tokenCount(), h, normed, null);
            return interleave(prefix.boundary, normed, suffixes, batch);
        }
        Activations b = new Activations(batch.tokenCount(), false);
        System.arraycopy(interleave(prefix.boundary, suffixStates, suffixes, batch), 0, b.x, 0, batch.tokenCount() * h);
        for (int l = prefix.causalLayers; l < layers; l++) {
            layerForward(l, batch, l >= prefix.bidirectionalFrom, b, null, null);
            float[] next = b.out;
            b.out = b.x;
            b.x = next;
        }
        float[] hidden = new float[batch.tokenCount() * h];
        Ops.rmsnormForward(b.x, weights.norm(), (float) config.rmsNormEps(), 0, batch.tokenCount(), h, hidden, null);
        return hidden;
    }

    /** Rows of each prefixed sequence: the P prefix rows, then that sequence's suffix rows. */
    private float[] interleave(float[] prefixRows, float[] suffixRows, Batch suffixes, Batch full) {
        int h = config.hiddenSize(), p = full.length(0) - suffixes.length(0);
        float[] out = new float[full.tokenCount() * h];
        for (int s = 0; s < suffixes.size(); s++) {
            System.arraycopy(prefixRows, 0, out, full.offsets()[s] * h, p * h);
            System.arraycopy(suffixRows, suffixes.offsets()[s] * h, out, (full.offsets()[s] + p) * h, suffixes.length(s) * h);
        }
        return out;
    }

    /**
     * Causal attention of suffix tokens that follow the prefix: query i of sequence s (position P + i) sees the P prefix
     * keys and the suffix keys up to itself. Keys and values are laid out as the uncached pass lays out the whole
     * sequence's, so every score and sum runs the same operations in the same order.
     */
    private void attentionAfterPrefix(int layer, Batch batch, Activations a, PromptPrefix prefix) {
        int hd = config.headDim(), kvd = config.kvDim(), qd = config.qDim(), p = prefix.length();
        int group = config.numHeads() / config.numKvHeads();
        float scale = (float) (1 / Math.sqrt(hd));
        float[] pk = prefix.keys[layer], pv = prefix.values[layer];
        kernels.parallelFor(batch.size() * config.numKvHeads(), task -> {
            int s = task / config.numKvHeads(), g = task % config.numKvHeads();
            int t0 = batch.offsets()[s], len = batch.length(s), totalKeys = p + len, width = VectorMath.padded(totalKeys);
            float[] kt = new float[hd * width], vs = new float[totalKeys * hd];
            for (int j = 0; j < totalKeys; j++) {
                float[] k = j < p ? pk : a.k, v = j < p ? pv : a.v;
                int o = (j < p ? j : t0 + j - p) * kvd + g * hd;
                for (int c = 0; c < hd; c++) kt[c * width + j] = k[o + c];
                System.arraycopy(v, o, vs, j * hd, hd);
            }
            float[] probs = new float[width];
            for (int head = g * group; head < (g + 1) * group; head++) {
                for (int i = 0; i < len; i++) {
                    int qo = (t0 + i) * qd + head * hd, nKeys = p + i + 1;
                    VectorMath.scores(a.q, qo, scale, kt, width, hd, probs, nKeys);
                    VectorMath.softmax(probs, nKeys);
                    VectorMath.weightedSum(probs, nKeys, vs, 0, hd, hd, a.attOut, qo);
                }
            }
        });
    }

    // ---------------------------------------------------------------- generation

    public KvCache newCache(int capacity) {
        if (capacity <= 0) throw new IllegalArgumentException("cache capacity must be positive, got " + capacity);
        return new KvCache(config, capacity);
    }

    /** Runs {@code tokens} causally after what the cache holds and returns the next-token logits [vocab] of the last one. */
    public float[] nextTokenLogits(KvCache cache, int... tokens) {
        if (cache.length + tokens.length > cache.capacity) {
            throw new IllegalArgumentException("sequence of " + (cache.length + tokens.length) + " tokens exceeds the cache capacity "
                    + cache.capacity);
        }
        Batch batch = Batch.of(tokens);
        Activations a = new Activations(tokens.length, false);
        embed(tokens, a.x);
        for (int l = 0; l < config.numLayers(); l++) {
            layerForward(l, batch, false, a, cache, null);
            float[] next = a.out;
            a.out = a.x;
            a.x = next;
        }
        cache.length += tokens.length;
        int h = config.hiddenSize();
        float[] last = new float[h];
        Ops.rmsnormForward(Arrays.copyOfRange(a.x, (tokens.length - 1) * h, tokens.length * h), weights.norm(),
                (float) config.rmsNormEps(), 0, 1, h, last, null);
        float[] logits = new float[config.vocabSize()];
        kernels.matmul(last, 1, weights.lmHead(), logits);
        return logits;
    }

    // ---------------------------------------------------------------- training

    /** What the backward pass needs from a training forward pass: each layer's input and the final norm's. */
    public final class TrainingPass {
        final Batch batch;
        final int bidirectionalFrom;
        final LoraDropout dropout;
        final float[][] layerInputs;
        final float[] finalInput;
        final float[] finalRstd;

        private TrainingPass(Batch batch, int bidirectionalFrom, LoraDropout dropout) {
            this.batch = batch;
            this.bidirectionalFrom = bidirectionalFrom;
            this.dropout = dropout;
            this.layerInputs = new float[config.numLayers()][];
            this.finalInput = new float[batch.tokenCount() * config.hiddenSize()];
            this.finalRstd = new float[batch.tokenCount()];
        }
    }

    /**
     * Dropout on the input of every LoRA branch ({@code B·A·dropout(x)}, as PEFT does); the mask of layer l,
     * projection p is drawn from {@code seed}, l and p alone, so the backward pass can redraw it.
     */
    public record LoraDropout(double p, long seed) {
        public static final LoraDropout NONE = new LoraDropout(0, 0);

        public LoraDropout {
            if (p < 0 || p >= 1) throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + p);
        }
    }

    /** Forward pass for training: returns the final-norm hidden states and remembers what {@link #backward} needs. */
    public TrainingPass trainingForward(Batch batch, int bidirectionalFrom, LoraDropout dropout, float[] hiddenOut) {
        return trainingForward(batch, inputEmbeddings(batch.tokens()), bidirectionalFrom, dropout, hiddenOut);
    }

    /** The embedding-table rows of {@code tokens}, [tokens, hidden]: the input of the first layer. */
    public float[] inputEmbeddings(int[] tokens) {
        float[] x = new float[tokens.length * config.hiddenSize()];
        embed(tokens, x);
        return x;
    }

    /**
     * {@link #trainingForward(Batch, int, LoraDropout, float[])} from given input rows {@code inputs} [tokens, hidden]
     * instead of the embedding table's rows of the batch's tokens (integrated gradients walks a path between them).
     */
    public TrainingPass trainingForward(Batch batch, float[] inputs, int bidirectionalFrom, LoraDropout dropout, float[] hiddenOut) {
        checkBidirectionalFrom(bidirectionalFrom);
        if (batch.adapters() != null) throw new IllegalArgumentException("per-sequence adapters are for inference; train one adapter at a time");
        if (inputs.length != batch.tokenCount() * config.hiddenSize()) {
            throw new IllegalArgumentException("inputs hold " + inputs.length + " values, not tokens x hidden = "
                    + batch.tokenCount() + " x " + config.hiddenSize());
        }
        TrainingPass pass = new TrainingPass(batch, bidirectionalFrom, dropout);
        Activations a = new Activations(batch.tokenCount(), false);
        System.arraycopy(inputs, 0, a.x, 0, inputs.length);
        for (int l = 0; l < config.numLayers(); l++) {
            pass.layerInputs[l] = a.x.clone();
            layerForward(l, batch, l >= bidirectionalFrom, a, null, dropout);
            float[] next = a.out;
            a.out = a.x;
            a.x = next;
        }
        System.arraycopy(a.x, 0, pass.finalInput, 0, pass.finalInput.length);
        Ops.rmsnormForward(a.x, weights.norm(), (float) config.rmsNormEps(), 0, batch.tokenCount(), config.hiddenSize(), hiddenOut,
                pass.finalRstd);
        return pass;
    }

    /**
     * Backward pass from {@code dHidden} (gradient of the loss with respect to the final-norm hidden states,
     * [tokens, hidden]) down to the LoRA matrices, accumulating into {@code grads}. Base weights are frozen; the
     * gradient with respect to the first layer's input rows (the input embeddings) is returned, [tokens, hidden].
     */
    public float[] backward(TrainingPass pass, float[] dHidden, LoraGradients grads) {
        int t = pass.batch.tokenCount(), h = config.hiddenSize();
        float[] dx = new float[t * h];
        Ops.rmsnormBackward(dHidden, pass.finalInput, weights.norm(), pass.finalRstd, 0, t, h, dx);
        Activations a = new Activations(t, true);
        for (int l = config.numLayers() - 1; l >= 0; l--) {
            System.arraycopy(pass.layerInputs[l], 0, a.x, 0, t * h);
            layerForward(l, pass.batch, l >= pass.bidirectionalFrom, a, null, pass.dropout);
            dx = layerBackward(l, pass.batch, l >= pass.bidirectionalFrom, a, dx, grads);
        }
        return dx;
    }

    /**
     * The attention probabilities of every layer for a one-sequence batch: {@code [layer][head · len · len]}, row i of
     * a head the weights query i puts on keys 0..len−1 (zero past i in a causal layer).
     */
    public float[][] attentionProbabilities(Batch batch, int bidirectionalFrom) {
        checkBidirectionalFrom(bidirectionalFrom);
        if (batch.size() != 1) throw new IllegalArgumentException("attention maps are for one sequence, got " + batch.size());
        Activations a = new Activations(batch.tokenCount(), true);
        embed(batch.tokens(), a.x);
        float[][] maps = new float[config.numLayers()][];
        for (int l = 0; l < config.numLayers(); l++) {
            layerForward(l, batch, l >= bidirectionalFrom, a, null, null);
            maps[l] = a.attProbs;
            float[] next = a.out;
            a.out = a.x;
            a.x = next;
        }
        return maps;
    }

    // ---------------------------------------------------------------- one layer

    /** Buffers of one layer over T tokens. With {@code keepForBackward}, everything the backward pass reads. */
    private final class Activations {
        final int tokens;
        final boolean keep;
        float[] x, out;
        final float[] xn1, rstd1, q, k, v, qPre, kPre, qRstd, kRstd, attOut, h1, xn2, rstd2, gate, up, act, proj;
        float[] attProbs;
        Batch batch;
        final LoraInput[] loraInputs = new LoraInput[LayerWeights.PROJECTIONS.size()];

        Activations(int t, boolean keepForBackward) {
            tokens = t;
            keep = keepForBackward;
            int hd = config.hiddenSize(), qd = config.qDim(), kvd = config.kvDim(), im = config.intermediateSize();
            x = new float[t * hd];
            out = new float[t * hd];
            xn1 = new float[t * hd];
            rstd1 = new float[t];
            q = new float[t * qd];
            k = new float[t * kvd];
            v = new float[t * kvd];
            qPre = config.qkNorm() ? new float[t * qd] : null;
            kPre = config.qkNorm() ? new float[t * kvd] : null;
            qRstd = config.qkNorm() ? new float[t * config.numHeads()] : null;
            kRstd = config.qkNorm() ? new float[t * config.numKvHeads()] : null;
            attOut = new float[t * qd];
            h1 = new float[t * hd];
            xn2 = new float[t * hd];
            rstd2 = new float[t];
            gate = new float[t * im];
            up = new float[t * im];
            act = new float[t * im];
            proj = new float[t * hd];
        }
    }

    /** The input a LoRA branch saw (after dropout), its dropout scale per element (null: none), and x·Aᵀ. */
    private record LoraInput(float[] input, float[] dropScale, float[] xa) {}

    private void embed(int[] tokens, float[] x) {
        int h = config.hiddenSize();
        Matrix table = weights.embedTokens();
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= table.rows) {
                throw new IllegalArgumentException("token id " + tokens[i] + " is outside the vocabulary [0, " + table.rows + ")");
            }
            table.row(tokens[i], x, i * h);
        }
    }

    private void layerForward(int l, Batch batch, boolean bidirectional, Activations a, KvCache cache, LoraDropout dropout) {
        layerForward(l, batch, bidirectional, a, cache, dropout, null);
    }

    /** One layer; with {@code prefix}, each sequence of the batch continues after the prefix (causal layers only). */
    private void layerForward(int l, Batch batch, boolean bidirectional, Activations a, KvCache cache, LoraDropout dropout,
                              PromptPrefix prefix) {
        LayerWeights w = weights.layers().get(l);
        int t = a.tokens, h = config.hiddenSize();
        float eps = (float) config.rmsNormEps();
        a.batch = batch;

        Ops.rmsnormForward(a.x, w.inputLayernorm(), eps, 0, t, h, a.xn1, a.rstd1);
        linearForward(l, 0, w.qProj(), a.xn1, t, config.qkNorm() ? a.qPre : a.q, a, dropout);
        linearForward(l, 1, w.kProj(), a.xn1, t, config.qkNorm() ? a.kPre : a.k, a, dropout);
        linearForward(l, 2, w.vProj(), a.xn1, t, a.v, a, dropout);
        if (config.qkNorm()) {
            Ops.rmsnormForward(a.qPre, w.qNorm(), eps, 0, t * config.numHeads(), config.headDim(), a.q, a.qRstd);
            Ops.rmsnormForward(a.kPre, w.kNorm(), eps, 0, t * config.numKvHeads(), config.headDim(), a.k, a.kRstd);
        }
        int start = cache != null ? cache.length : prefix != null ? prefix.length() : 0;
        rope.ensure(start + batch.maxLength());
        for (int s = 0; s < batch.size(); s++) {
            for (int i = batch.offsets()[s]; i < batch.offsets()[s + 1]; i++) {
                int pos = start + i - batch.offsets()[s];
                rope.rotate(a.q, i, config.numHeads(), pos, false);
                rope.rotate(a.k, i, config.numKvHeads(), pos, false);
            }
        }
        if (prefix != null) attentionAfterPrefix(l, batch, a, prefix);
        else attentionForward(l, batch, bidirectional, a, cache);
        linearForward(l, 3, w.oProj(), a.attOut, t, a.proj, a, dropout);
        for (int i = 0; i < t * h; i++) a.h1[i] = a.x[i] + a.proj[i];

        Ops.rmsnormForward(a.h1, w.postAttentionLayernorm(), eps, 0, t, h, a.xn2, a.rstd2);
        linearForward(l, 4, w.gateProj(), a.xn2, t, a.gate, a, dropout);
        linearForward(l, 5, w.upProj(), a.xn2, t, a.up, a, dropout);
        Ops.swigluForward(a.gate, a.up, a.act, 0, t * config.intermediateSize());
        linearForward(l, 6, w.downProj(), a.act, t, a.proj, a, dropout);
        for (int i = 0; i < t * h; i++) a.out[i] = a.h1[i] + a.proj[i];
    }

    /** Returns the gradient with respect to the layer's input, given that of its output. */
    private float[] layerBackward(int l, Batch batch, boolean bidirectional, Activations a, float[] dOut, LoraGradients grads) {
        LayerWeights w = weights.layers().get(l);
        int t = a.tokens, h = config.hiddenSize(), im = config.intermediateSize();
        int qd = config.qDim(), kvd = config.kvDim();

        // out = h1 + down(act), act = swiglu(gate(xn2), up(xn2)), xn2 = norm(h1)
        float[] dh1 = dOut.clone();
        float[] dAct = new float[t * im];
        linearBackward(l, 6, w.downProj(), dOut, t, dAct, a, grads);
        float[] dGate = new float[t * im], dUp = new float[t * im];
        Ops.swigluBackward(dAct, a.gate, a.up, dGate, dUp, 0, t * im);
        float[] dXn2 = new float[t * h];
        linearBackward(l, 4, w.gateProj(), dGate, t, dXn2, a, grads);
        linearBackward(l, 5, w.upProj(), dUp, t, dXn2, a, grads);
        Ops.rmsnormBackward(dXn2, a.h1, w.postAttentionLayernorm(), a.rstd2, 0, t, h, dh1);

        // h1 = x + o(attention(rope(q), rope(k), v))
        float[] dx = dh1.clone();
        float[] dAttOut = new float[t * qd];
        linearBackward(l, 3, w.oProj(), dh1, t, dAttOut, a, grads);
        float[] dq = new float[t * qd], dk = new float[t * kvd], dv = new float[t * kvd];
        attentionBackward(batch, bidirectional, a, dAttOut, dq, dk, dv);
        for (int s = 0; s < batch.size(); s++) {
            for (int i = batch.offsets()[s]; i < batch.offsets()[s + 1]; i++) {
                int pos = i - batch.offsets()[s];
                rope.rotate(dq, i, config.numHeads(), pos, true);
                rope.rotate(dk, i, config.numKvHeads(), pos, true);
            }
        }
        if (config.qkNorm()) {
            float eps = (float) config.rmsNormEps();
            float[] dqPre = new float[t * qd], dkPre = new float[t * kvd];
            Ops.rmsnormBackward(dq, a.qPre, w.qNorm(), a.qRstd, 0, t * config.numHeads(), config.headDim(), dqPre);
            Ops.rmsnormBackward(dk, a.kPre, w.kNorm(), a.kRstd, 0, t * config.numKvHeads(), config.headDim(), dkPre);
            dq = dqPre;
            dk = dkPre;
        }
        float[] dXn1 = new float[t * h];
        linearBackward(l, 0, w.qProj(), dq, t, dXn1, a, grads);
        linearBackward(l, 1, w.kProj(), dk, t, dXn1, a, grads);
        linearBackward(l, 2, w.vProj(), dv, t, dXn1, a, grads);
        Ops.rmsnormBackward(dXn1, a.x, w.inputLayernorm(), a.rstd1, 0, t, h, dx);
        return dx;
    }

    // ---------------------------------------------------------------- projections with LoRA

    /** {@code y = x·Wᵀ (+b) (+ scale·(dropout(x)·Aᵀ)·Bᵀ)}. Shapes: x [m, in], y [m, out]. */
    private void linearForward(int layer, int p, Linear lin, float[] x, int m, float[] y, Activations a, LoraDropout dropout) {
        kernels.matmul(x, m, lin.weight(), y);
        if (lin.bias() != null) Ops.addBias(y, lin.bias(), m);
        if (a.batch != null && a.batch.adapters() != null) {
            addAdapterDeltas(layer, p, lin, x, y, a.batch);
            return;
        }
        Lora lora = lin.lora();
        if (lora == null) return;
        float[] input = x;
        float[] dropScale = null;
        if (dropout != null && dropout.p() > 0) {
            int n = m * lin.in();
            input = new float[n];
            dropScale = new float[n];
            Ops.dropout(x, n, dropout.p(), dropout.seed() * 1_000_003L + layer * 31L + p, input, dropScale);
        }
        float[] xa = new float[m * lora.rank()];
        kernels.matmul(input, m, lora.a(), xa);
        float[] delta = new float[m * lin.out()];
        kernels.matmul(xa, m, lora.b(), delta);
        for (int i = 0; i < delta.length; i++) y[i] += lora.scale() * delta[i];
        if (a.keep) a.loraInputs[p] = new LoraInput(input, dropScale, xa);
    }

    /**
     * The LoRA deltas of a batch whose sequences name their own adapters ({@link Batch#adapters()}): each run of
     * consecutive sequences with the same adapter adds {@code scale·(x·Aᵀ)·Bᵀ} to its rows, the same operations
     * in the same order as a batch of that adapter alone, so every row gets the same bits (GEMM rows are
     * independent of m).
     */
    private void addAdapterDeltas(int layer, int p, Linear lin, float[] x, float[] y, Batch batch) {
        ModelWeights[] adapters = batch.adapters();
        int in = lin.in(), out = lin.out();
        for (int s = 0, e; s < batch.size(); s = e) {
            e = s + 1;
            while (e < batch.size() && adapters[e] == adapters[s]) e++;
            if (adapters[s] == null) continue;
            Linear adapted = adapters[s].layers().get(layer).projection(LayerWeights.PROJECTIONS.get(p));
            if (adapted.weight() != lin.weight()) {
                throw new IllegalArgumentException("the adapter of sequence " + s + " is not applied to this transformer's base "
                        + lin.weight());
            }
            Lora lora = adapted.lora();
            if (lora == null) continue;
            int row0 = batch.offsets()[s], rows = batch.offsets()[e] - row0;
            float[] xs = rows == batch.tokenCount() ? x : Arrays.copyOfRange(x, row0 * in, (row0 + rows) * in);
            float[] xa = new float[rows * lora.rank()];
            kernels.matmul(xs, rows, lora.a(), xa);
            float[] delta = new float[rows * out];
            kernels.matmul(xa, rows, lora.b(), delta);
            for (int i = 0; i < delta.length; i++) y[row0 * out + i] += lora.scale() * delta[i];
        }
    }

    /** Backward of {@link #linearForward}: {@code dx += dy·W + scale·((dy·B)·A) ⊙ dropout}, and the LoRA gradients. */
    private void linearBackward(int layer, int p, Linear lin, float[] dy, int m, float[] dx, Activations a, LoraGradients grads) {
        kernels.matmulBackward(dy, m, lin.weight(), dx);
        Lora lora = lin.lora();
        if (lora == null) return;
        LoraInput saved = a.loraInputs[p];
        int r = lora.rank();
        // dB += scale·dyᵀ·xa
        weightGradient(dy, saved.xa(), m, lin.out(), r, lora.scale(), grads.dB[layer][p]);
        float[] dxa = new float[m * r];
        kernels.matmulBackward(dy, m, lora.b(), dxa);
        for (int i = 0; i < dxa.length; i++) dxa[i] *= lora.scale();
        // dA += dxaᵀ·input
        weightGradient(dxa, saved.input(), m, r, lin.in(), 1f, grads.dA[layer][p]);
        if (saved.dropScale() == null) {
            kernels.matmulBackward(dxa, m, lora.a(), dx);
        } else {
            float[] dInput = new float[m * lin.in()];
            kernels.matmulBackward(dxa, m, lora.a(), dInput);
            for (int i = 0; i < dInput.length; i++) dx[i] += dInput[i] * saved.dropScale()[i];
        }
    }

    /** {@link Ops#weightGradient} with the rows of dw shared out among the kernels' threads (same bits). */
    private void weightGradient(float[] dy, float[] x, int m, int n, int k, float scale, float[] dw) {
        int tasks = Math.min(kernels.threads(), Math.ceilDiv(n, 4));
        int rowsPerTask = Math.ceilDiv(Math.ceilDiv(n, tasks), 4) * 4; // whole 4-row blocks, as Ops computes them
        kernels.parallelFor(tasks, task -> Ops.weightGradient(dy, x, m, n, k, scale, dw, Math.min(n, task * rowsPerTask),
                Math.min(n, (task + 1) * rowsPerTask)));
    }

    // ---------------------------------------------------------------- attention

    /**
     * Grouped-query attention of every sequence alone. Shapes: q [T, heads·hd], k, v [T, kvHeads·hd] (or the cache),
     * attOut [T, heads·hd]. Query i of a sequence sees keys j ≤ i (causal) or all its keys (bidirectional).
     */
    private void attentionForward(int layer, Batch batch, boolean bidirectional, Activations a, KvCache cache) {
        int hd = config.headDim(), kvd = config.kvDim(), qd = config.qDim();
        int group = config.numHeads() / config.numKvHeads();
        float scale = (float) (1 / Math.sqrt(hd));
        int past = cache == null ? 0 : cache.length;
        float[] keys = a.k, values = a.v;
        if (cache != null) {
            System.arraycopy(a.k, 0, cache.keys[layer], past * kvd, a.tokens * kvd);
            System.arraycopy(a.v, 0, cache.values[layer], past * kvd, a.tokens * kvd);
            keys = cache.keys[layer];
            values = cache.values[layer];
        }
        int[] probOffsets = null;
        if (a.keep) {
            probOffsets = probOffsets(batch);
            a.attProbs = new float[probOffsets[batch.size()]];
        }
        final float[] ks = keys, vs = values;
        final int[] po = probOffsets;
        kernels.parallelFor(batch.size() * config.numKvHeads(), task -> {
            int s = task / config.numKvHeads(), g = task % config.numKvHeads();
            int t0 = batch.offsets()[s], len = batch.length(s);
            int keyRow0 = cache == null ? t0 : 0, totalKeys = past + len, width = VectorMath.padded(totalKeys);
            // keys of this KV head transposed to [hd, width], zero-padded, so the scores run over keys a vector at a
            // time; the values are summed in place, a vector of columns at a time
            float[] kt = transposeHead(ks, keyRow0, totalKeys, width, kvd, g * hd, hd);
            float[] p = new float[width];
            for (int head = g * group; head < (g + 1) * group; head++) {
                for (int i = 0; i < len; i++) {
                    int qo = (t0 + i) * qd + head * hd;
                    int nKeys = bidirectional ? totalKeys : past + i + 1;
                    VectorMath.scores(a.q, qo, scale, kt, width, hd, p, nKeys);
                    VectorMath.softmax(p, nKeys);
                    if (a.keep) System.arraycopy(p, 0, a.attProbs, po[s] + (head * len + i) * totalKeys, nKeys);
                    VectorMath.weightedSum(p, nKeys, vs, keyRow0 * kvd + g * hd, kvd, hd, a.attOut, qo);
                }
            }
        });
    }

    /**
     * Rows [row0, row0 + n) of the head at column {@code col} (width hd) of x [*, stride], as [hd, width]: row c holds
     * column c of the head for the n rows, then zeros up to width.
     */
    private static float[] transposeHead(float[] x, int row0, int n, int width, int stride, int col, int hd) {
        float[] t = new float[hd * width];
        for (int j = 0; j < n; j++) {
            int o = (row0 + j) * stride + col;
            for (int c = 0; c < hd; c++) t[c * width + j] = x[o + c];
        }
        return t;
    }

    /** Adds {@code h} [n, hd] into rows [row0, row0 + n) of the head at column {@code col} of x [*, stride]. */
    private static void addHead(float[] h, float[] x, int row0, int n, int stride, int col, int hd) {
        for (int j = 0; j < n; j++) {
            int o = (row0 + j) * stride + col;
            for (int c = 0; c < hd; c++) x[o + c] += h[j * hd + c];
        }
    }

    /** Where each sequence's probabilities [heads, len, len] start in the saved array. */
    private int[] probOffsets(Batch batch) {
        int[] off = new int[batch.size() + 1];
        for (int s = 0; s < batch.size(); s++) off[s + 1] = off[s] + config.numHeads() * batch.length(s) * batch.length(s);
        return off;
    }

    /**
     * Backward of {@link #attentionForward} (no cache). With p the saved probabilities:
     * {@code dv_j += p_j·dout}, {@code dp_j = dout·v_j}, {@code ds_j = p_j·(dp_j − Σ p·dp)},
     * {@code dq += scale·Σ ds_j·k_j}, {@code dk_j += scale·ds_j·q}. One task per (sequence, KV head), so the
     * query heads sharing a KV head write dk/dv from one thread.
     */
    private void attentionBackward(Batch batch, boolean bidirectional, Activations a, float[] dOut, float[] dq, float[] dk, float[] dv) {
        int hd = config.headDim(), kvd = config.kvDim(), qd = config.qDim();
        int group = config.numHeads() / config.numKvHeads();
        float scale = (float) (1 / Math.sqrt(hd));
        int[] po = probOffsets(batch);
        kernels.parallelFor(batch.size() * config.numKvHeads(), task -> {
            int s = task / config.numKvHeads(), g = task % config.numKvHeads();
            int t0 = batch.offsets()[s], len = batch.length(s), width = VectorMath.padded(len), col = g * hd;
            // values transposed to [hd, width] for dp over keys a vector at a time; the rest runs along head columns
            float[] vt = transposeHead(a.v, t0, len, width, kvd, col, hd);
            float[] dkHead = new float[len * hd], dvHead = new float[len * hd], ds = new float[width], dqRow = new float[hd];
            for (int head = g * group; head < (g + 1) * group; head++) {
                for (int i = 0; i < len; i++) {
                    int qo = (t0 + i) * qd + head * hd;
                    int nKeys = bidirectional ? len : i + 1;
                    int pOff = po[s] + (head * len + i) * len;
                    VectorMath.scores(dOut, qo, 1f, vt, width, hd, ds, nKeys); // dp_j = dout·v_j
                    for (int j = 0; j < nKeys; j++) VectorMath.axpy(a.attProbs[pOff + j], dOut, qo, dvHead, j * hd, hd);
                    float dot = VectorMath.dot(a.attProbs, pOff, ds, 0, nKeys);
                    for (int j = 0; j < nKeys; j++) ds[j] = a.attProbs[pOff + j] * (ds[j] - dot) * scale;
                    VectorMath.weightedSum(ds, nKeys, a.k, t0 * kvd + col, kvd, hd, dqRow, 0); // Σ ds_j·k_j
                    for (int c = 0; c < hd; c++) dq[qo + c] += dqRow[c];
                    for (int j = 0; j < nKeys; j++) VectorMath.axpy(ds[j], a.q, qo, dkHead, j * hd, hd);
                }
            }
            addHead(dkHead, dk, t0, len, kvd, col, hd);
            addHead(dvHead, dv, t0, len, kvd, col, hd);
        });
    }
}

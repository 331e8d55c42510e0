package dev.bellm.train;

import dev.bellm.embed.Pooling;
import dev.bellm.model.LayerWeights;
import dev.bellm.model.Lora;
import dev.bellm.train.loss.AngleObjective;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything that decides a training run, with the BeLLM training script's defaults where it has one
 * (LoRA r 32, α 32, dropout 0.1 on all seven projections; lr 2e-4; the AnglE objective with weights 1, τ 20).
 * A resumed run must have the same options as the run it continues.
 */
public final class TrainOptions {
    public Integer bidirectionalFrom;
    public Pooling pooling = Pooling.LAST;
    public String prompt;
    public int loraRank = 32;
    public double loraAlpha = 32;
    public double loraDropout = 0.1;
    public boolean rsLora;
    public List<String> loraTargets = new ArrayList<>(LayerWeights.PROJECTIONS);
    public double learningRate = 2e-4;
    public double weightDecay = 0;
    public double maxGradNorm = 1.0;
    /** Linear warm-up over this fraction of the optimizer steps, then linear decay to 0. */
    public double warmupRatio = 0.05;
    public int batchSize = 16;
    public int gradAccum = 1;
    public int epochs = 1;
    /** Stop after this many optimizer steps (0: run all epochs). */
    public int maxSteps;
    /** Inputs longer than this (prompt included) keep their first maxLength tokens. */
    public int maxLength = 128;
    public long seed = 42;
    public AngleObjective objective = AngleObjective.defaults();
    /** Optimizer steps between checkpoints (and dev evaluations); 0: only at the end. */
    public int checkpointEvery = 50;

    public void validate() {
        require(loraRank > 0, "--lora-r must be positive");
        try {
            Lora.scale(loraRank, loraAlpha, rsLora);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--lora-r / --lora-alpha: " + e.getMessage());
        }
        require(loraDropout >= 0 && loraDropout < 1, "--lora-dropout must be in [0, 1)");
        require(learningRate > 0, "--lr must be positive");
        require(weightDecay >= 0, "--weight-decay must be >= 0");
        require(warmupRatio >= 0 && warmupRatio < 1, "--warmup-ratio must be in [0, 1)");
        require(batchSize >= 2, "--batch-size must be at least 2 (the losses compare examples within a batch)");
        require(gradAccum >= 1, "--grad-accum must be at least 1");
        require(epochs >= 1, "--epochs must be at least 1");
        require(maxSteps >= 0, "--max-steps must be >= 0");
        require(maxLength >= 2, "--max-length must be at least 2");
        require(checkpointEvery >= 0, "--checkpoint-every must be >= 0");
        require(bidirectionalFrom == null || bidirectionalFrom >= 0, "--bidirectional-from must be >= 0");
        require(prompt == null || prompt.contains("{text}"), "--prompt must contain {text}");
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    /** The options as a flat map, for checkpoints and reports. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bidirectional_from", bidirectionalFrom);
        m.put("pooling", pooling.toString());
        m.put("prompt", prompt);
        m.put("lora_r", loraRank);
        m.put("lora_alpha", loraAlpha);
        m.put("lora_dropout", loraDropout);
        m.put("use_rslora", rsLora);
        m.put("lora_targets", loraTargets);
        m.put("lr", learningRate);
        m.put("weight_decay", weightDecay);
        m.put("max_grad_norm", maxGradNorm);
        m.put("warmup_ratio", warmupRatio);
        m.put("batch_size", batchSize);
        m.put("grad_accum", gradAccum);
        m.put("epochs", epochs);
        m.put("max_steps", maxSteps);
        m.put("max_length", maxLength);
        m.put("seed", seed);
        m.put("objective", objective.toString());
        m.put("checkpoint_every", checkpointEvery);
        return m;
    }
}

package dev.bellm.train.distill;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a student is distilled from a teacher.
 *
 * @param student           where the student comes from: the teacher's first N layers, or another model
 * @param bidirectionalFrom the student's first bidirectional layer; null: the source's own attention (a pruned
 *                          teacher's kept layers attend as they did in the teacher, so a student shallower than the
 *                          first bidirectional layer is causal; another model attends as its folder says, else causally)
 * @param loss              the distance between student and teacher vectors
 * @param loraRank          rank of the adapters trained on the student's layers, when it has none there (a pruned
 *                          teacher's own adapters are kept and trained on otherwise)
 * @param loraAlpha         their alpha (scale alpha/rank)
 * @param learningRate      peak learning rate (linear warm-up over 5% of the steps, then linear decay)
 * @param batchSize         sentences per step
 * @param steps             optimizer steps
 * @param seed              LoRA initialisation and sentence order
 * @param checkpointEvery   steps between checkpoints (and held-out loss measurements)
 * @param maxLength         tokens per sentence (prompt included; longer ones keep their start)
 * @param heldOut           sentences of the corpus kept out of training to measure the loss on
 */
public record DistillOptions(StudentSource student, Integer bidirectionalFrom, DistillLoss loss, int loraRank, double loraAlpha,
                             double learningRate, int batchSize, int steps, long seed, int checkpointEvery, int maxLength,
                             int heldOut) {
    public static final double WARMUP_RATIO = 0.05, MAX_GRAD_NORM = 1.0, WEIGHT_DECAY = 0.01;

    public DistillOptions {
        if (student == null) throw new IllegalArgumentException("no student: give the teacher's layers to keep or a student model");
        if (bidirectionalFrom != null && bidirectionalFrom < 0) throw new IllegalArgumentException("bidirectionalFrom must be >= 0");
        if (loss == null) throw new IllegalArgumentException("no loss");
        if (loraRank <= 0 || !(loraAlpha > 0)) throw new IllegalArgumentException("LoRA rank and alpha must be positive");
        if (!(learningRate > 0)) throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
        if (batchSize <= 0 || steps <= 0 || checkpointEvery <= 0 || maxLength <= 0 || heldOut < 0) {
            throw new IllegalArgumentException("batch size, steps, checkpoint interval and max length must be positive, held-out >= 0");
        }
    }

    /** For the run's JSON and to check that a resumed run has the same settings. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.putAll(student.describe());
        m.put("bidirectional_from", bidirectionalFrom);
        m.put("loss", loss.toString());
        m.put("lora_r", loraRank);
        m.put("lora_alpha", loraAlpha);
        m.put("lr", learningRate);
        m.put("batch_size", batchSize);
        m.put("steps", steps);
        m.put("seed", seed);
        m.put("checkpoint_every", checkpointEvery);
        m.put("max_length", maxLength);
        m.put("held_out", heldOut);
        return m;
    }
}

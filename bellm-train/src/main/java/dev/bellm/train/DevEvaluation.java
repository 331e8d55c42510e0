package dev.bellm.train;

import dev.bellm.embed.Embedder;
import dev.bellm.eval.ProgressListener;
import dev.bellm.eval.StsEvaluator;
import dev.bellm.eval.StsOptions;
import dev.bellm.eval.StsTask;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** Model selection during training: a score of the encoder being trained, higher is better. */
public final class DevEvaluation {
    private DevEvaluation() {}

    /** The STS-B dev Spearman (×100) of an embedder; {@code dataDir} is the folder holding {@code data/}. */
    public static ToDoubleFunction<Embedder> stsb(Path dataDir) {
        StsOptions o = new StsOptions(List.of(StsTask.parse("stsb").getFirst()), "dev", false, StsOptions.DEFAULT_CHUNK_SIZE);
        StsEvaluator evaluator = new StsEvaluator(dataDir.resolve("data"), o);
        return e -> evaluator.evaluate(t -> e.embed(t).vectors(), "dev", Map.of(), ProgressListener.NONE).avg();
    }

    /** {@code stsb} or {@code none} (null: no dev evaluation, no best adapter). */
    public static ToDoubleFunction<Embedder> named(String name, Path dataDir) {
        return switch (name) {
            case "stsb" -> stsb(dataDir);
            case "none" -> null;
            default -> throw new IllegalArgumentException("dev evaluation '" + name + "' is unknown; use stsb or none");
        };
    }
}

package dev.bellm.train.distill;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** Where a distilled student comes from: the teacher's own lower layers, or another model. */
public sealed interface StudentSource {
    /** The source as the run's JSON records it (and a resumed run must match). */
    Map<String, Object> describe();

    /**
     * The teacher's first {@code layers} layers and its final norm (a pruned teacher): the teacher's tokenizer and
     * width, so its vectors are comparable to the teacher's as they are.
     */
    record TeacherLayers(int layers) implements StudentSource {
        public TeacherLayers {
            if (layers <= 0) throw new IllegalArgumentException("the student needs at least one layer, got " + layers);
        }

        @Override
        public Map<String, Object> describe() {
            return Map.of("student_layers", layers); // the key runs made before other sources existed recorded
        }
    }

    /**
     * Another model: a Hugging Face folder, a llama2.c {@code .bin} or an encoder folder (its weights; its own recipe
     * gives only the attention). It tokenizes with its own tokenizer, and a trained linear {@link Projection} maps its
     * pooled vector to the teacher's width.
     *
     * @param tokenizer the student's tokenizer file; null for the one in or beside the model
     */
    record Model(Path model, Path tokenizer) implements StudentSource {
        public Model {
            Objects.requireNonNull(model, "the student model");
        }

        @Override
        public Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("student_model", model.toString());
            m.put("student_tokenizer", tokenizer == null ? null : tokenizer.toString());
            return m;
        }
    }
}

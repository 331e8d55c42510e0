package dev.bellm.cli;

import dev.bellm.embed.Embedder;
import dev.bellm.train.LossCurve;
import dev.bellm.train.Trainer;
import dev.bellm.train.data.Example;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** A training run as the commands show it: a progress bar on a terminal (a line per dev score in a pipe), then its PNG curves. */
final class TrainingProgress {
    private TrainingProgress() {}

    static Trainer.Result run(Trainer trainer, List<Example> examples, Path output, ToDoubleFunction<Embedder> dev, boolean resume)
            throws IOException {
        Progress[] bar = {null};
        boolean terminal = Progress.onTerminal();
        Trainer.Result r;
        try {
            r = trainer.train(examples, output, dev, resume, new Trainer.Listener() {
                @Override
                public void started(int firstStep, int totalSteps) {
                    bar[0] = Progress.start("train", totalSteps);
                    bar[0].stepTo(firstStep);
                }

                @Override
                public void step(Trainer.Step s) {
                    bar[0].stepTo(s.step());
                    bar[0].message(String.format("loss %.4f lr %.2e %.0f tok/s", s.loss(), s.learningRate(), s.tokensPerSecond()));
                }

                @Override
                public void evaluated(int step, double score) {
                    if (!terminal) System.err.printf("bellm train: step %d STS-B dev %.2f%n", step, score);
                }
            });
        } finally {
            if (bar[0] != null) bar[0].close();
        }
        plot(output, r.curve());
        return r;
    }

    /** {@code loss.png}, and {@code dev.png} when the run had dev scores. */
    static void plot(Path output, LossCurve curve) throws IOException {
        Plots.line(output.resolve("loss.png"), "Training loss", "step", "loss", List.of(new Plots.Series("loss", curve.steps(), curve.loss())));
        if (!curve.dev().isEmpty()) {
            Plots.line(output.resolve("dev.png"), "STS-B dev Spearman x100", "step", "Spearman x100",
                    List.of(new Plots.Series("dev", curve.devSteps(), curve.dev())));
        }
    }
}

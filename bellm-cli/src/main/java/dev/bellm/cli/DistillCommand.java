package dev.bellm.cli;

import dev.bellm.embed.Embedder;
import dev.bellm.embed.EncoderSpec;
import dev.bellm.train.distill.DistillLoss;
import dev.bellm.train.distill.DistillOptions;
import dev.bellm.train.distill.Distiller;
import dev.bellm.train.distill.StudentSource;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "distill", mixinStandardHelpOptions = true,
        description = {"Distil an encoder into a smaller student trained to reproduce its embeddings: the teacher's first N layers",
                "(--student-layers) or another model (--student, with its own tokenizer and a trained linear projection to the",
                "teacher's width). LoRA on the student's layers (a pruned teacher's own adapters there, or fresh ones), cosine or",
                "MSE loss to the teacher's pooled vectors over a corpus (one sentence a line). The teacher's recipe comes from its",
                "model and adapter folders (as for embed), the encoder flags overriding it; the student is read the same way",
                "(prompts, pooling, heads, normalisation). Writes OUTPUT/student and the student before training (OUTPUT/pruned,",
                "or OUTPUT/untrained for --student): encoder folders (Hugging Face model, adapters merged, and the recipe:",
                "sentence-transformers files, the projection as 2_Dense, bellm_encoder.json); distill.json (teacher, student,",
                "options, losses), loss.csv, checkpoint/."},
        footer = {"", "The student keeps the teacher's recipe, with its own attention (--student-bidirectional-from; default: a",
                "pruned teacher's kept layers attend as before, another model as its folder says): embed, eval and serve it with",
                "--model OUTPUT/student and no other flag. --resume continues an interrupted run with the same losses.", "", "Examples:",
                "  ./bellm distill --teacher ../shared/models/stories260K/stories260K.bin --adapter runs/demo/train/best \\",
                "      --pooling mean --bidirectional-from 4 --student-layers 2 \\",
                "      --corpus ../shared/data/nli/s1.dev --corpus ../shared/data/nli/s2.dev --steps 300 --output runs/distill",
                "  ./bellm distill --teacher ../shared/models/stories260K/stories260K.bin --adapter runs/demo/train/best \\",
                "      --pooling mean --bidirectional-from 4 --student ../shared/fixtures/zoo/st-dense \\",
                "      --corpus ../shared/data/nli/s1.dev --corpus ../shared/data/nli/s2.dev --steps 300 --output runs/distill-st",
                "  ./bellm embed --model runs/distill/student --input texts.txt --output vectors.jsonl"})
final class DistillCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--teacher", required = true, paramLabel = "PATH", description = "The teacher's model: Hugging Face directory or llama2.c .bin.")
    Path teacher;
    @Option(names = "--tokenizer", paramLabel = "FILE", description = "llama2.c tokenizer; default: the tok*.bin beside the model.")
    Path tokenizer;
    @Option(names = "--adapter", paramLabel = "DIR", description = "The teacher's PEFT LoRA adapter; repeat to stack adapters (their deltas add), in order.")
    List<Path> adapters = new ArrayList<>();
    @Mixin
    EncoderOptions encoder;
    @Option(names = "--threads", paramLabel = "N", description = "Compute threads. Default: all cores.")
    Integer threads;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Student student;

    /** Where the student comes from: one of the two. */
    static final class Student {
        @Option(names = "--student-layers", required = true, paramLabel = "N",
                description = "Keep the teacher's first N layers (bellm sweep's truncation probe shows what each depth scores).")
        Integer layers;
        @Option(names = "--student", required = true, paramLabel = "MODEL",
                description = "Another model as the student: Hugging Face directory, llama2.c .bin or encoder folder (its own tokenizer).")
        Path model;
    }

    @Option(names = "--student-tokenizer", paramLabel = "FILE", description = "With --student: its tokenizer; default: the one in or beside it.")
    Path studentTokenizer;
    @Option(names = "--student-bidirectional-from", paramLabel = "N|none",
            description = {"The student's first bidirectional layer. Default: a pruned teacher's kept layers attend as before;",
                    "another model as its folder says (config.json, bellm_encoder.json), else causally."})
    String studentBidirectionalFrom;
    @Option(names = "--corpus", required = true, paramLabel = "FILE", description = "Sentences, one a line (repeatable).")
    List<Path> corpus;
    @Option(names = "--loss", defaultValue = "cosine", paramLabel = "cosine|mse", description = "Default: ${DEFAULT-VALUE}.")
    String loss;
    @Option(names = "--lora-r", defaultValue = "32", description = "Rank of fresh adapters (when the student has none there). Default: ${DEFAULT-VALUE}.")
    int loraR;
    @Option(names = "--lora-alpha", defaultValue = "32", description = "Default: ${DEFAULT-VALUE}.")
    double loraAlpha;
    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;
    @Option(names = "--batch-size", defaultValue = "32", description = "Sentences per step. Default: ${DEFAULT-VALUE}.")
    int batchSize;
    @Option(names = "--steps", defaultValue = "300", description = "Default: ${DEFAULT-VALUE}.")
    int steps;
    @Option(names = "--seed", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}.")
    long seed;
    @Option(names = "--checkpoint-every", defaultValue = "50", description = "Steps between checkpoints and held-out losses. Default: ${DEFAULT-VALUE}.")
    int checkpointEvery;
    @Option(names = "--max-length", defaultValue = "128", description = "Tokens per sentence, prompt included. Default: ${DEFAULT-VALUE}.")
    int maxLength;
    @Option(names = "--held-out", defaultValue = "512", description = "Corpus sentences kept out of training to measure the loss. Default: ${DEFAULT-VALUE}.")
    int heldOut;
    @Option(names = "--output", required = true, paramLabel = "DIR")
    Path output;
    @Option(names = "--resume", description = "Continue from OUTPUT/checkpoint.")
    boolean resume;

    @Override
    public Integer call() throws Exception {
        if (studentTokenizer != null && student.model == null) {
            throw new ParameterException(spec.commandLine(), "--student-tokenizer goes with --student MODEL (a pruned teacher uses the teacher's tokenizer)");
        }
        // the teacher's recipe: its folders', the encoder flags over them (each override told on stderr)
        EncoderSpec.Builder recipe = EncoderSpec.Builder.fromFolders(teacher, adapters, EmbeddingOptions::warn)
                .overlay(encoder.stated(), EmbeddingOptions::warn).tokenizer(tokenizer);
        Embedder.Builder b = Embedder.builder().spec(recipe.build());
        if (threads != null) b.threads(threads);
        Embedder teacherEncoder = b.build();
        Integer studentFrom = null;
        if (studentBidirectionalFrom != null) {
            studentFrom = studentBidirectionalFrom.equalsIgnoreCase("none") ? dev.bellm.model.Transformer.CAUSAL
                    : Integer.parseInt(studentBidirectionalFrom.strip());
        }
        StudentSource source = student.model != null ? new StudentSource.Model(student.model, studentTokenizer)
                : new StudentSource.TeacherLayers(student.layers);
        DistillOptions options = new DistillOptions(source, studentFrom, DistillLoss.parse(loss), loraR, loraAlpha, lr, batchSize,
                steps, seed, checkpointEvery, maxLength, heldOut);
        List<String> sentences = new ArrayList<>();
        for (Path file : corpus) {
            try {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) if (!line.isBlank()) sentences.add(line.strip());
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("corpus file " + file + " does not exist");
            }
        }
        Distiller distiller = new Distiller(teacherEncoder, options);
        for (String note : distiller.notes()) System.err.println("bellm distill: " + note);
        System.err.printf(Locale.ROOT, "bellm distill: %d sentences; student = %s%n", sentences.size(), student.model != null
                ? student.model + " (" + distiller.studentSpec().dense().getFirst() + " projection to the teacher's width)"
                : "the first " + student.layers + " of " + teacherEncoder.transformer().config().numLayers() + " layers");
        Progress[] bar = new Progress[1];
        Distiller.Result r;
        try {
            r = distiller.distill(sentences, output, resume, new Distiller.Listener() {
                @Override
                public void step(int step, int total, double lossValue) {
                    if (bar[0] == null) bar[0] = Progress.start("distill", total);
                    bar[0].stepTo(step);
                    bar[0].message(String.format(Locale.ROOT, "loss %.4f", lossValue));
                }

                @Override
                public void heldOut(int step, double lossValue) {
                    System.err.printf(Locale.ROOT, "bellm distill: step %d held-out %s loss %.5f%n", step, loss, lossValue);
                }
            });
        } finally {
            if (bar[0] != null) bar[0].close();
        }
        System.err.printf(Locale.ROOT, "distilled %d steps in %.0f s; held-out loss %.5f (untrained: %s) -> %.5f%nstudent: %s%n",
                r.steps(), r.seconds(), r.initialHeldOut(), r.baseline(), r.finalHeldOut(), r.student());
        return 0;
    }
}

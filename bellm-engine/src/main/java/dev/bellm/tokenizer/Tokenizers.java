package dev.bellm.tokenizer;

import dev.bellm.io.CheckpointException;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds and loads the tokenizer that belongs to a model. */
public final class Tokenizers {
    private Tokenizers() {}

    /**
     * The tokenizer for {@code model}: {@code tokenizerOverride} when given (a directory or {@code tokenizer.json} for a
     * Hugging Face tokenizer, a {@code .bin} for llama2.c); else the file {@link #fileFor} finds.
     */
    public static Tokenizer forModel(Path model, Path tokenizerOverride) {
        return load(tokenizerOverride != null ? tokenizerOverride : fileFor(model));
    }

    /**
     * The tokenizer file that belongs to {@code model}: a Hugging Face model directory's {@code tokenizer.json}, else the
     * single llama2.c {@code tok*.bin} inside it (a llama2.c model merged into Hugging Face layout carries its tokenizer
     * that way); for a llama2.c {@code .bin} checkpoint, the single {@code tok*.bin} beside it.
     */
    public static Path fileFor(Path model) {
        if (Files.isDirectory(model)) {
            Path json = model.resolve("tokenizer.json");
            if (Files.isRegularFile(json)) return json;
            List<Path> bins = llama2cTokenizersIn(model.toAbsolutePath(), model);
            if (bins.size() == 1) return bins.getFirst();
            throw new CheckpointException(json, bins.isEmpty()
                    ? "no such file, and no llama2.c tokenizer (tok*.bin) in the directory either; pass the tokenizer explicitly"
                    : "no such file, and several llama2.c tokenizers in the directory: " + names(bins)
                    + "; name the tokenizer file explicitly");
        }
        if (Files.isRegularFile(model) && isBin(model)) return llama2cTokenizerBeside(model);
        if (!Files.exists(model)) throw new CheckpointException(model, "no such model file or directory");
        throw new CheckpointException(model, "is neither a Hugging Face model directory nor a llama2.c .bin checkpoint,"
                + " so its tokenizer cannot be found");
    }

    /** A tokenizer file or directory, its kind told by its name: {@code *.bin} is llama2.c, anything else Hugging Face. */
    public static Tokenizer load(Path tokenizer) {
        return isBin(tokenizer) && !Files.isDirectory(tokenizer) ? Llama2cTokenizer.load(tokenizer) : HfTokenizer.load(tokenizer);
    }

    private static boolean isBin(Path file) {
        return file.getFileName() != null && file.getFileName().toString().endsWith(".bin");
    }

    private static Path llama2cTokenizerBeside(Path model) {
        Path dir = model.toAbsolutePath().getParent();
        List<Path> found = llama2cTokenizersIn(dir, model);
        if (found.size() == 1) return found.getFirst();
        throw new CheckpointException(model, (found.isEmpty() ? "no llama2.c tokenizer (tok*.bin) beside it in " + dir
                : "several llama2.c tokenizers beside it in " + dir + ": " + names(found))
                + "; name the tokenizer file explicitly");
    }

    /** The {@code tok*.bin} files in {@code dir}, other than {@code model} itself. */
    private static List<Path> llama2cTokenizersIn(Path dir, Path model) {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> candidates = Files.newDirectoryStream(dir, "tok*.bin")) {
            for (Path candidate : candidates) {
                if (Files.isRegularFile(candidate) && !candidate.equals(model.toAbsolutePath())) found.add(candidate);
            }
        } catch (IOException e) {
            throw new CheckpointException(dir, "cannot list the directory to find the tokenizer of " + model.getFileName()
                    + ": " + e.getMessage(), e);
        }
        return found;
    }

    private static String names(List<Path> files) {
        return String.join(", ", files.stream().map(p -> p.getFileName().toString()).sorted().toList());
    }
}

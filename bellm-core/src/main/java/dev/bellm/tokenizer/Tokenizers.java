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
     * Hugging Face tokenizer, a {@code .bin} for llama2.c); else a Hugging Face model directory's {@code tokenizer.json},
     * or for a llama2.c {@code .bin} checkpoint the single {@code tok*.bin} beside it.
     */
    public static Tokenizer forModel(Path model, Path tokenizerOverride) {
        if (tokenizerOverride != null) return load(tokenizerOverride);
        if (Files.isDirectory(model)) return HfTokenizer.load(model);
        if (Files.isRegularFile(model) && isBin(model)) return Llama2cTokenizer.load(llama2cTokenizerBeside(model));
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
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> candidates = Files.newDirectoryStream(dir, "tok*.bin")) {
            for (Path candidate : candidates) {
                if (Files.isRegularFile(candidate) && !candidate.equals(model.toAbsolutePath())) found.add(candidate);
            }
        } catch (IOException e) {
            throw new CheckpointException(dir, "cannot list the directory to find the tokenizer of " + model.getFileName()
                    + ": " + e.getMessage(), e);
        }
        if (found.size() == 1) return found.getFirst();
        List<String> names = found.stream().map(p -> p.getFileName().toString()).sorted().toList();
        throw new CheckpointException(model, (found.isEmpty() ? "no llama2.c tokenizer (tok*.bin) beside it in " + dir
                : "several llama2.c tokenizers beside it in " + dir + ": " + String.join(", ", names))
                + "; name the tokenizer file explicitly");
    }
}

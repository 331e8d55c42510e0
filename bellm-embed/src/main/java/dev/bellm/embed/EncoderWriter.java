package dev.bellm.embed;

import dev.bellm.io.HfCheckpoint;
import dev.bellm.io.MergedModelWriter;
import dev.bellm.model.ModelConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Writes an encoder as one self-describing folder: the weights of a base model with its adapters merged (as they
 * are, or int8), then the recipe the base and adapter folders state ({@link EncoderSpec#load}), so the written folder
 * embeds as the base and adapters did with no other setting. {@link MergedModelWriter} (the engine) writes the
 * weights; the recipe is this module's, so the two steps meet here rather than in each command.
 */
public final class EncoderWriter {
    private EncoderWriter() {}

    /** The adapters merged into the base's dtype. {@code notices} hears which folder's setting overrides which. */
    public static MergedModelWriter.Result merge(Path base, Path tokenizer, List<Path> adapters, Path output,
                                                 MergedModelWriter.Options options, MergedModelWriter.Progress progress,
                                                 Consumer<String> notices) throws IOException {
        EncoderSpec spec = EncoderSpec.load(base, adapters, notices);
        prepare(output, options);
        return withRecipe(MergedModelWriter.merge(base, tokenizer, adapters, output, options, progress), spec);
    }

    /** The adapters merged, then the weight matrices in Q8_0 ({@link MergedModelWriter#quantize}). */
    public static MergedModelWriter.Result quantize(Path base, List<Path> adapters, Path output, MergedModelWriter.Options options,
                                                    MergedModelWriter.Progress progress, Consumer<String> notices) throws IOException {
        EncoderSpec spec = EncoderSpec.load(base, adapters, notices);
        prepare(output, options);
        return withRecipe(MergedModelWriter.quantize(base, adapters, output, options, progress), spec);
    }

    /** A folder bellm wrote before carries its recipe's module folders; replacing it replaces them too. */
    private static void prepare(Path output, MergedModelWriter.Options options) throws IOException {
        if (options.overwrite()) EncoderFolder.removeModuleFolders(output);
    }

    private static MergedModelWriter.Result withRecipe(MergedModelWriter.Result result, EncoderSpec spec) throws IOException {
        ModelConfig written = HfCheckpoint.readConfig(result.directory());
        EncoderFolder.write(result.directory(), spec.check(written), written.hiddenSize(), written.numLayers());
        return result;
    }
}

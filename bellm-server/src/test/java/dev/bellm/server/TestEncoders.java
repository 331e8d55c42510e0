package dev.bellm.server;

import dev.bellm.Fixtures;
import dev.bellm.embed.Embedder;
import dev.bellm.io.PeftAdapter;
import dev.bellm.model.Lora;
import dev.bellm.model.ModelWeights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The fixture encoder the server tests serve: tiny-llama, layers 2.. bidirectional, and two adapters of it. */
final class TestEncoders {
    static final int BIDIRECTIONAL_FROM = 2;
    static final String BASE = "tiny-llama", LORA = "lora", LORA2 = "lora-x4";
    static final List<String> TEXTS = List.of("a man is playing a guitar", "a woman slices an onion", "the cat sleeps",
            "two dogs run across a field", "a man plays music");
    private static Path secondAdapter;

    private TestEncoders() {}

    static Path base() {
        return Fixtures.path("tiny-llama");
    }

    static Path lora() {
        return Fixtures.path("tiny-llama-lora");
    }

    /** The fixture adapter with lora_alpha 32 instead of 8: same A and B, four times the delta. Written once per JVM. */
    static synchronized Path secondAdapter() {
        if (secondAdapter == null) {
            try {
                Path dir = Files.createTempDirectory("bellm-adapter-x4");
                dir.toFile().deleteOnExit();
                ModelWeights adapted = PeftAdapter.load(lora()).apply(dev.bellm.io.ModelLoader.load(base()));
                ModelWeights x4 = adapted.withLayers(adapted.layers().stream().map(l -> l.mapProjections((p, lin) ->
                        lin.withLora(new Lora(lin.lora().a(), lin.lora().b(), 4 * lin.lora().scale())))).toList());
                PeftAdapter.save(dir, x4, "tiny-llama", 32, false);
                for (String f : List.of(PeftAdapter.CONFIG_FILE, PeftAdapter.WEIGHTS_FILE)) dir.resolve(f).toFile().deleteOnExit();
                secondAdapter = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return secondAdapter;
    }

    /** What {@code bellm embed} builds for the same flags: the oracle for the server's vectors. */
    static Embedder.Builder embedder(Path adapter) {
        return Embedder.builder().model(base()).adapter(adapter).bidirectionalFrom(BIDIRECTIONAL_FROM).threads(2);
    }

    static Path adapterFor(String model) {
        return switch (model) {
            case BASE -> null;
            case LORA -> lora();
            case LORA2 -> secondAdapter();
            default -> throw new IllegalArgumentException(model);
        };
    }

    static ServedEncoder served(boolean normalize) {
        Map<String, Path> adapters = new LinkedHashMap<>();
        adapters.put(LORA, lora());
        adapters.put(LORA2, secondAdapter());
        return new ServedEncoder(embedder(null).normalize(normalize).build(), BASE, adapters);
    }

    static ServerOptions options() {
        return ServerOptions.defaults().withPort(0).withWarmupTexts(4);
    }
}

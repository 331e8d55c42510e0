package dev.bellm.spark;

import dev.bellm.embed.Embedder;
import dev.bellm.embed.EmbedderRecipe;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One encoder per executor JVM and recipe: the first task to need it loads it (weights memory-mapped once), the
 * executor's other tasks share it (an {@link Embedder} is thread-safe), and its kernels run on a fixed number of
 * compute threads, so concurrent tasks share those threads instead of each starting a pool of all cores.
 */
final class ExecutorEncoders {
    private record Key(EmbedderRecipe recipe, int threads) {}

    private static final ConcurrentHashMap<Key, Embedder> ENCODERS = new ConcurrentHashMap<>();

    private ExecutorEncoders() {}

    static Embedder get(EmbedderRecipe recipe, int threads) {
        return ENCODERS.computeIfAbsent(new Key(recipe, threads), k -> k.recipe().builder().threads(k.threads()).build());
    }

    /** How many encoders this JVM holds (for tests: one per recipe, however many tasks ran). */
    static int loaded() {
        return ENCODERS.size();
    }
}

package dev.bellm.spark;

import dev.bellm.embed.EmbedderRecipe;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What `spark-embed`'s flags put in the recipe, before any Spark session starts. */
class SparkEmbedFlagsTest {
    private static SparkEmbed parse(String... flags) {
        SparkEmbed cmd = new SparkEmbed();
        String[] args = new String[flags.length + 6];
        System.arraycopy(new String[] {"--model", "/m", "--input", "in.jsonl", "--output", "out.parquet"}, 0, args, 0, 6);
        System.arraycopy(flags, 0, args, 6, flags.length);
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    @Test
    void unstatedSettingsAreLeftToTheModelFoldersRecipe() {
        EmbedderRecipe r = parse().recipe();
        assertNull(r.pooling());
        assertNull(r.bidirectionalFrom());
        assertNull(r.normalize());
        assertNull(r.truncate());
        assertEquals(List.of(), r.adapters());
    }

    @Test
    void statedFlagsGoIntoTheRecipe() {
        EmbedderRecipe r = parse("--pooling", "mean", "--bidirectional-from", "4", "--no-normalize", "--truncate", "--adapter", "/a",
                "--adapter", "/b", "--bellm-prompt").recipe();
        assertEquals("mean", r.pooling());
        assertEquals("4", r.bidirectionalFrom());
        assertEquals(false, r.normalize());
        assertEquals(true, r.truncate());
        assertEquals(List.of("/a", "/b"), r.adapters());
        assertTrue(r.prompt().contains("{text}"));
    }

    @Test
    void badValuesNameTheFlag() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("--bidirectional-from", "four").recipe());
        assertTrue(e.getMessage().startsWith("--bidirectional-from"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse("--pooling", "max").recipe());
        assertTrue(e.getMessage().startsWith("--pooling"), e.getMessage());
    }
}

package dev.bellm.cli;

import dev.bellm.SharedData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.io.DataDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bellm explain} on stories260K: both encoders, completeness in the JSON, readable PNGs. */
@SharedData
class ExplainCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesBothEncodersWithCompletenessAndThePlots() throws Exception {
        String model = DataDirectory.root().resolve("models/stories260K/stories260K.bin").toString();
        var run = CliTestSupport.run("explain", "--model", model, "--pooling", "mean", "--bidirectional-from", "4", "--threads", "2",
                "--layers", "0,4", "A dog runs.", "A cat sleeps.", "--output", dir.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode root = new ObjectMapper().readTree(dir.resolve("explain.json").toFile());
        for (String encoder : new String[] {"causal", "bellm"}) {
            JsonNode e = root.at("/encoders/" + encoder);
            double sum = 0;
            for (String side : new String[] {"a", "b"}) for (JsonNode t : e.get(side).get("tokens")) sum += t.get("attribution").asDouble();
            assertEquals(e.get("similarity").asDouble() - e.get("baseline_similarity").asDouble(), sum, e.get("tolerance").asDouble());
            assertTrue(e.get("converged").asBoolean());
            assertEquals(2, e.at("/a/attention").size());
        }
        assertTrue(root.at("/encoders/causal/settings/bidirectional_from").isNull());
        assertEquals(4, root.at("/encoders/bellm/settings/bidirectional_from").asInt());
        for (String png : new String[] {"attributions.png", "attention-layer0.png", "attention-layer4.png"}) {
            assertNotNull(ImageIO.read(Files.newInputStream(dir.resolve(png))), png);
        }
    }
}

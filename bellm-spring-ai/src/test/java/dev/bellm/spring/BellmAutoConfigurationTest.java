package dev.bellm.spring;

import dev.bellm.SharedData;
import dev.bellm.embed.Embedder;
import dev.bellm.io.DataDirectory;
import org.junit.jupiter.api.Test;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A Boot application context configured by properties only: the EmbeddingModel is injected and embeds as bellm does. */
@SharedData
@SpringBootTest(classes = BellmAutoConfigurationTest.App.class, properties = {
        "bellm.prompts.story=Story: {text}", "bellm.prompt-name=story", "bellm.normalize=true", "bellm.threads=2", "bellm.batch-size=4"})
class BellmAutoConfigurationTest {
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {}

    static String model() {
        return DataDirectory.resolve("models/stories260K/stories260K.bin").toString();
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("bellm.model", BellmAutoConfigurationTest::model);
    }

    @Autowired
    EmbeddingModel model;

    @Test
    void theInjectedModelEmbedsWithTheNamedPrompt() {
        assertInstanceOf(BellmEmbeddingModel.class, model);
        List<String> texts = List.of("Lily found a red ball.", "The bird sang a song.");
        EmbeddingResponse response = model.call(new org.springframework.ai.embedding.EmbeddingRequest(texts, null));
        Embedder reference = Embedder.builder().model(java.nio.file.Path.of(model())).prompt("Story: {text}").normalize(true).build();
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(reference.embed(texts.get(i)), response.getResults().get(i).getOutput(), texts.get(i));
            assertEquals(i, response.getResults().get(i).getIndex());
        }
        int tokens = 0;
        for (String t : texts) tokens += reference.tokenizer().encode("Story: " + t).length;
        assertEquals(tokens, response.getMetadata().getUsage().getPromptTokens());
        assertEquals("stories260K.bin", response.getMetadata().getModel());
        assertEquals(64, model.dimensions());
        assertArrayEquals(reference.embed("hello"), model.embed("hello"));
    }

    @Test
    void withoutBellmModelThereIsNoBeanAndABadPromptNameIsAClearError() {
        ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(BellmAutoConfiguration.class));
        runner.run(ctx -> assertTrue(ctx.getBeansOfType(EmbeddingModel.class).isEmpty()));
        runner.withPropertyValues("bellm.model=" + model(), "bellm.prompt-name=nope").run(ctx -> {
            assertTrue(ctx.getStartupFailure() != null);
            Throwable root = ctx.getStartupFailure();
            while (root.getCause() != null) root = root.getCause();
            assertTrue(root.getMessage().contains("bellm.prompt-name=nope"), root.getMessage());
        });
        runner.withPropertyValues("bellm.model=" + model(), "bellm.prompt-name=bellm").run(ctx ->
                assertEquals(Embedder.BELLM_PROMPT, ctx.getBean(Embedder.class).prompt()));
    }
}

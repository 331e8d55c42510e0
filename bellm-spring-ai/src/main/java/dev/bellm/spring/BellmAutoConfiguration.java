package dev.bellm.spring;

import dev.bellm.embed.Embedder;
import dev.bellm.embed.Pooling;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.ai.embedding.EmbeddingModel;

/**
 * Spring Boot auto-configuration: with {@code bellm.model} set, an {@link Embedder} and a Spring AI
 * {@link EmbeddingModel} ({@link BellmEmbeddingModel}) using {@code bellm.prompt-name}'s prompt, unless the
 * application defines its own.
 */
@AutoConfiguration
@ConditionalOnClass(EmbeddingModel.class)
@ConditionalOnProperty(prefix = "bellm", name = "model")
@EnableConfigurationProperties(BellmProperties.class)
public class BellmAutoConfiguration {
    @Bean
    @ConditionalOnMissingBean
    public Embedder bellmEmbedder(BellmProperties p) {
        Embedder.Builder b = Embedder.builder().model(p.getModel()).tokenizer(p.getTokenizer()).adapter(p.getAdapter())
                .pooling(Pooling.parse(p.getPooling())).prompt(p.promptTemplate(p.getPromptName())).normalize(p.isNormalize())
                .batchSize(p.getBatchSize()).truncation(p.isTruncate() ? Embedder.Truncation.KEEP_START : Embedder.Truncation.ERROR);
        if (p.getBidirectionalFrom() != null) b.bidirectionalFrom(p.getBidirectionalFrom());
        if (p.getThreads() != null) b.threads(p.getThreads());
        if (p.getMaxTokens() != null) b.maxTokens(p.getMaxTokens());
        return b.build();
    }

    @Bean
    @ConditionalOnMissingBean(EmbeddingModel.class)
    public BellmEmbeddingModel bellmEmbeddingModel(Embedder embedder, BellmProperties p) {
        return new BellmEmbeddingModel(embedder, p.getModel().getFileName().toString());
    }
}

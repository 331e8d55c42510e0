package dev.bellm.cli;

import dev.bellm.embed.Embedder;
import dev.bellm.embed.EncoderSpec;
import dev.bellm.server.EmbeddingServer;
import dev.bellm.server.ServedEncoder;
import dev.bellm.server.ServerOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve embeddings over HTTP: OpenAI's /v1/embeddings and text-embeddings-inference's /embed, many adapters in one batch.",
        footer = {"", "Examples:",
                "  ./bellm serve --model ../shared/models/stories260K/stories260K.bin --bellm-prompt --normalize",
                "  ./bellm serve --model ../shared/fixtures/tiny-llama --bidirectional-from 2 --adapter lora=../shared/fixtures/tiny-llama-lora",
                "  curl -s localhost:8080/v1/embeddings -H 'Content-Type: application/json' -d '{\"model\":\"lora\",\"input\":\"A man plays a guitar.\"}'"})
final class ServeCommand implements Callable<Integer> {
    static final String API_KEY_ENV = "BELLM_API_KEY";

    @Mixin
    ModelOptions model;

    @Mixin
    EncoderOptions encoder;

    @Option(names = "--adapter", paramLabel = "NAME=DIR", description = "A PEFT LoRA adapter served as model NAME (repeatable).")
    List<String> adapters = List.of();

    @Option(names = "--served-name", paramLabel = "NAME", description = "What requests call the base model. Default: its folder's (or file's) name.")
    String servedName;

    @Option(names = "--normalize", negatable = true,
            description = "L2-normalise (--no-normalize: do not). Default: the recipe's. TEI's /embed also normalises when its 'normalize' field (default true) asks.")
    Boolean normalize;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Longest input in tokens (prompt included). Default: the recipe's, else the model's maximum.")
    Integer maxTokens;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = ServerOptions.LOOPBACK,
            description = "Address to bind (0.0.0.0 for every interface). Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--max-batch-tokens", paramLabel = "N", defaultValue = "" + ServerOptions.DEFAULT_MAX_BATCH_TOKENS,
            description = "Tokens per packed batch. Default: ${DEFAULT-VALUE}.")
    int maxBatchTokens;

    @Option(names = "--max-concurrent-requests", paramLabel = "N", defaultValue = "" + ServerOptions.DEFAULT_MAX_CONCURRENT_REQUESTS,
            description = "Requests admitted at once; more get 429 with Retry-After. Default: ${DEFAULT-VALUE}.")
    int maxConcurrentRequests;

    @Option(names = "--max-client-batch-size", paramLabel = "N", defaultValue = "" + ServerOptions.DEFAULT_MAX_CLIENT_BATCH_SIZE,
            description = "Inputs per request; more get 422. Default: ${DEFAULT-VALUE}.")
    int maxClientBatchSize;

    @Option(names = "--payload-limit", paramLabel = "BYTES", defaultValue = "" + ServerOptions.DEFAULT_PAYLOAD_LIMIT,
            description = "Largest request body; larger get 413. Default: ${DEFAULT-VALUE}.")
    int payloadLimit;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Require 'Authorization: Bearer KEY'. Default: $" + API_KEY_ENV + " if set, else none.")
    String apiKey;

    @Option(names = "--shutdown-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long SIGTERM waits for requests in flight. Default: ${DEFAULT-VALUE}.")
    int shutdownSeconds;

    /** The running server, once started (tests stop it through this). */
    volatile EmbeddingServer server;

    @Override
    public Integer call() throws Exception {
        // the base folder's recipe under these flags, as embed resolves it; each adapter's folder recipe goes between
        EncoderSpec.Builder flags = encoder.stated();
        if (normalize != null) flags.normalize(normalize);
        if (maxTokens != null) flags.maxTokens(maxTokens);
        EncoderSpec.Builder recipe = EncoderSpec.Builder.fromFolders(model.model, List.of(), EmbeddingOptions::warn)
                .overlay(flags, EmbeddingOptions::warn).tokenizer(model.tokenizer);
        Embedder.Builder b = Embedder.builder().spec(recipe.build());
        if (model.threads != null) b.threads(model.threads);
        b.kernels(model.kernels()); // the kernels embed picks, so the vectors are embed's bit for bit
        ServedEncoder served = new ServedEncoder(b.build(), servedName != null ? servedName : baseName(model.model), adapterDirs(), flags);
        String key = apiKey != null ? apiKey : System.getenv(API_KEY_ENV);
        ServerOptions options = ServerOptions.defaults().withHost(host).withPort(port).withMaxBatchTokens(maxBatchTokens)
                .withMaxConcurrentRequests(maxConcurrentRequests).withMaxClientBatchSize(maxClientBatchSize)
                .withPayloadLimit(payloadLimit).withApiKey(key == null || key.isEmpty() ? null : key)
                .withShutdownTimeout(Duration.ofSeconds(shutdownSeconds));
        server = EmbeddingServer.start(served, options).closeOnShutdown();
        server.warmUp();
        server.join();
        return 0;
    }

    private Map<String, Path> adapterDirs() {
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (String a : adapters) {
            int eq = a.indexOf('=');
            if (eq <= 0 || eq == a.length() - 1) throw new IllegalArgumentException("--adapter takes NAME=DIR, got '" + a + "'");
            if (dirs.put(a.substring(0, eq), Path.of(a.substring(eq + 1))) != null) {
                throw new IllegalArgumentException("--adapter names '" + a.substring(0, eq) + "' twice");
            }
        }
        return dirs;
    }

    /** A model folder's name, or a llama2.c file's name without {@code .bin}. */
    static String baseName(Path model) {
        String name = model.toAbsolutePath().normalize().getFileName().toString();
        return name.endsWith(".bin") ? name.substring(0, name.length() - 4) : name;
    }
}

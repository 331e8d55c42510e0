package dev.bellm.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.jetty.http.HttpHeader;
import dev.bellm.embed.EncoderInputException;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * The routes: OpenAI's {@code POST /v1/embeddings} and {@code GET /v1/models}, and text-embeddings-inference's
 * {@code POST /embed}, {@code POST /tokenize}, {@code GET /info}, {@code GET /health}, {@code GET /metrics}.
 * Errors come in each API's own shape: OpenAI's {@code {"error":{"message","type","param","code"}}} under
 * {@code /v1}, TEI's {@code {"error","error_type"}} elsewhere.
 */
final class HttpApi extends Handler.Abstract {
    private static final Logger log = LoggerFactory.getLogger("dev.bellm.server.requests");
    private static final String JSON = "application/json";

    private final ObjectMapper json = new ObjectMapper();
    private final ServedEncoder encoder;
    private final EmbeddingService service;
    private final ServerOptions options;
    private final ServerMetrics metrics;
    private final BooleanSupplier ready;
    private final byte[] apiKeyDigest;

    HttpApi(ServedEncoder encoder, EmbeddingService service, ServerOptions options, ServerMetrics metrics, BooleanSupplier ready) {
        this.encoder = encoder;
        this.service = service;
        this.options = options;
        this.metrics = metrics;
        this.ready = ready;
        this.apiKeyDigest = options.apiKey() == null ? null : sha256(options.apiKey());
    }

    /** A response ready to write: status, content type, body, and headers beyond those. */
    private record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
        Reply(int status, String contentType, byte[] body) {
            this(status, contentType, body, Map.of());
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        String path = Request.getPathInContext(request);
        String route = route(request.getMethod(), path);
        Reply reply;
        try {
            reply = dispatch(route, request);
        } catch (ApiException e) {
            reply = error(path, e);
        } catch (EncoderInputException e) {
            reply = error(path, ApiException.of(e));
        } catch (CancellationException e) {
            reply = error(path, new ApiException(499, "the client closed the request", null, "client_closed"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply = error(path, new ApiException(503, "the server is shutting down", null, "unavailable"));
        } catch (RuntimeException | IOException e) {
            log.error("{} {} failed", request.getMethod(), path, e);
            reply = error(path, new ApiException(500, "internal error: " + e.getMessage(), null, "internal_error"));
        }
        response.setStatus(reply.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
        reply.headers().forEach((k, v) -> response.getHeaders().put(k, v));
        double seconds = (System.nanoTime() - start) / 1e9;
        metrics.request(route, reply.status(), seconds);
        log.info("{} {} {} {} ms", request.getMethod(), path, reply.status(), Math.round(seconds * 1000));
        response.write(true, ByteBuffer.wrap(reply.body()), callback);
        return true;
    }

    /** The route's name for metrics and dispatch; unknown paths share one name so labels stay bounded. */
    private static String route(String method, String path) {
        String r = method + " " + path;
        return switch (r) {
            case "POST /v1/embeddings", "GET /v1/models", "POST /embed", "POST /tokenize", "GET /info", "GET /health", "GET /metrics" -> r;
            default -> switch (path) {
                case "/v1/embeddings", "/v1/models", "/embed", "/tokenize", "/info", "/health", "/metrics" -> "WRONG_METHOD " + path;
                default -> "UNKNOWN";
            };
        };
    }

    private Reply dispatch(String route, Request request) throws IOException, InterruptedException {
        if (route.equals("GET /health")) return health();
        if (apiKeyDigest != null) authorize(request);
        return switch (route) {
            case "POST /v1/embeddings" -> openAiEmbeddings(request);
            case "GET /v1/models" -> models();
            case "POST /embed" -> teiEmbed(request);
            case "POST /tokenize" -> tokenize(request);
            case "GET /info" -> ok(info());
            case "GET /metrics" -> metricsReply();
            case "UNKNOWN" -> throw new ApiException(404, "no route " + request.getMethod() + " " + Request.getPathInContext(request), null, "not_found");
            default -> throw new ApiException(405, "method " + request.getMethod() + " is not allowed on " + Request.getPathInContext(request),
                    null, "method_not_allowed");
        };
    }

    private void authorize(Request request) {
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        String prefix = "Bearer ";
        byte[] given = sha256(header != null && header.regionMatches(true, 0, prefix, 0, prefix.length()) ? header.substring(prefix.length()) : "");
        // digests have one length, so the comparison takes the same time whatever the key
        if (!MessageDigest.isEqual(given, apiKeyDigest)) {
            throw new ApiException(401, "incorrect or missing API key: send Authorization: Bearer KEY", null, "invalid_api_key");
        }
    }

    private Reply health() {
        if (!ready.getAsBoolean()) throw new ApiException(503, "warming up", null, "unhealthy");
        return new Reply(200, JSON, "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------- OpenAI

    private Reply openAiEmbeddings(Request request) throws IOException, InterruptedException {
        EmbedRequest req;
        EmbeddingService.Result result;
        try (EmbeddingService.Slot slot = service.admit()) {
            req = EmbedRequest.openAi(body(request), false); // the recipe decides normalisation
            result = service.embed(req, job -> request.addFailureListener(failure -> job.cancel(false)));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + result.vectors().length * result.vectors()[0].length * 12);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (int i = 0; i < result.vectors().length; i++) {
                g.writeStartObject();
                g.writeStringField("object", "embedding");
                g.writeNumberField("index", i);
                g.writeFieldName("embedding");
                if (req.base64()) g.writeString(base64(result.vectors()[i]));
                else writeFloats(g, result.vectors()[i]);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("model", result.model());
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", result.promptTokens());
            g.writeNumberField("total_tokens", result.promptTokens());
            g.writeEndObject();
            g.writeEndObject();
        }
        return new Reply(200, JSON, out.toByteArray());
    }

    /** Each float as its shortest decimal that reads back as the same float. */
    private static void writeFloats(JsonGenerator g, float[] v) throws IOException {
        g.writeStartArray(v, v.length);
        for (float x : v) g.writeNumber(x);
        g.writeEndArray();
    }

    /** Little-endian float32, what OpenAI's {@code encoding_format: base64} gives. */
    static String base64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return Base64.getEncoder().encodeToString(b.array());
    }

    private Reply models() throws JsonProcessingException {
        List<Map<String, Object>> data = encoder.names().stream().map(n -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", n);
            m.put("object", "model");
            m.put("created", 0);
            m.put("owned_by", "bellm");
            return m;
        }).toList();
        return ok(Map.of("object", "list", "data", data));
    }

    // ---------------------------------------------------------------- text-embeddings-inference

    private Reply teiEmbed(Request request) throws IOException, InterruptedException {
        EmbeddingService.Result result;
        try (EmbeddingService.Slot slot = service.admit()) {
            result = service.embed(EmbedRequest.tei(body(request)), job -> request.addFailureListener(failure -> job.cancel(false)));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + result.vectors().length * result.vectors()[0].length * 12);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartArray();
            for (float[] v : result.vectors()) writeFloats(g, v);
            g.writeEndArray();
        }
        return new Reply(200, JSON, out.toByteArray());
    }

    private Reply tokenize(Request request) throws IOException {
        JsonNode body = body(request);
        List<String> texts = EmbedRequest.teiInputs(body);
        if (texts.size() > options.maxClientBatchSize()) {
            throw ApiException.unprocessable("inputs", "batch size " + texts.size() + " is more than the maximum of "
                    + options.maxClientBatchSize() + " inputs per request", "validation");
        }
        List<List<Map<String, Object>>> out = texts.stream().map(text -> {
            int[] ids = encoder.tokenize(text);
            List<Map<String, Object>> tokens = new java.util.ArrayList<>(ids.length);
            for (int id : ids) {
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("id", id);
                String piece = encoder.decode(id);
                t.put("text", piece);
                t.put("special", piece.isEmpty());
                t.put("start", null);
                t.put("stop", null);
                tokens.add(t);
            }
            return tokens;
        }).toList();
        return ok(out);
    }

    private Map<String, Object> info() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_id", encoder.baseName());
        m.put("model_dtype", encoder.dtype());
        m.put("model_type", Map.of("embedding", Map.of("pooling", encoder.pooling().toString())));
        m.put("served_models", encoder.names());
        m.put("recipes", encoder.recipes()); // each served model's resolved recipe, the base first
        m.put("dimension", encoder.dimension());
        m.put("max_input_length", encoder.maxTokens());
        m.put("max_batch_tokens", options.maxBatchTokens());
        m.put("max_concurrent_requests", options.maxConcurrentRequests());
        m.put("max_client_batch_size", options.maxClientBatchSize());
        m.put("payload_limit", options.payloadLimit());
        m.put("auto_truncate", false);
        m.put("version", "bellm 0.1.0");
        return m;
    }

    private Reply metricsReply() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.write(out);
        return new Reply(200, metrics.contentType(), out.toByteArray());
    }

    // ---------------------------------------------------------------- bodies and errors

    /** The request body as JSON, refused past the payload limit (413) or when it is not JSON (400). */
    private JsonNode body(Request request) throws IOException {
        long declared = request.getLength();
        if (declared > options.payloadLimit()) throw tooLarge(declared);
        byte[] bytes;
        try (InputStream in = Request.asInputStream(request)) {
            bytes = in.readNBytes(options.payloadLimit() + 1);
        } catch (EofException e) { // the client went away mid-upload: nobody to answer
            throw new ApiException(499, "the client closed the connection before sending its body", null, "client_closed");
        }
        if (bytes.length > options.payloadLimit()) throw tooLarge(-1);
        if (bytes.length == 0) throw ApiException.invalid(null, "the request has no body; send a JSON object");
        try {
            return json.readTree(bytes);
        } catch (JsonParseException e) {
            String field = null; // the innermost field the parser was in
            for (var ctx = e.getProcessor() == null ? null : e.getProcessor().getParsingContext(); ctx != null && field == null; ctx = ctx.getParent()) {
                field = ctx.getCurrentName();
            }
            throw ApiException.invalid(field, "malformed JSON" + (field == null ? "" : " in field '" + field + "'") + " at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
        }
    }

    private ApiException tooLarge(long length) {
        return new ApiException(413, "the request body" + (length >= 0 ? " of " + length + " bytes" : "") + " is over the limit of "
                + options.payloadLimit() + " bytes", null, "payload_too_large");
    }

    private Reply error(String path, ApiException e) {
        Map<String, String> headers = e.status == 429 ? Map.of("Retry-After", "1") : Map.of();
        Map<String, Object> body = new LinkedHashMap<>();
        if (path.startsWith("/v1/")) {
            Map<String, Object> err = new LinkedHashMap<>();
            err.put("message", e.getMessage());
            err.put("type", openAiType(e.status));
            err.put("param", e.param);
            err.put("code", e.code);
            body.put("error", err);
        } else {
            body.put("error", e.getMessage());
            body.put("error_type", teiType(e.status));
        }
        try {
            return new Reply(e.status, JSON, json.writeValueAsBytes(body), headers);
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private static String openAiType(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 429 -> "rate_limit_error";
            case 500, 503 -> "server_error";
            default -> "invalid_request_error";
        };
    }

    private static String teiType(int status) {
        return switch (status) {
            case 413, 422 -> "Validation";
            case 429 -> "Overloaded";
            case 503 -> "Unhealthy";
            case 500 -> "Backend";
            default -> "Validation";
        };
    }

    private Reply ok(Object value) throws JsonProcessingException {
        return new Reply(200, JSON, json.writeValueAsBytes(value));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

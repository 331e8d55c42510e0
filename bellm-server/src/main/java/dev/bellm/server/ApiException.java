package dev.bellm.server;

import dev.bellm.embed.DimensionTooLargeException;
import dev.bellm.embed.EmptyTextException;
import dev.bellm.embed.EncoderInputException;
import dev.bellm.embed.TooManyTokensException;
import dev.bellm.embed.UnknownPromptException;

/**
 * A request the server refuses: the HTTP status, a message for the client, the request field at fault (or
 * null) and a short machine-readable code. Each API renders it in its own error shape.
 */
final class ApiException extends RuntimeException {
    final int status;
    final String param;
    final String code;

    ApiException(int status, String message, String param, String code) {
        super(message, null, false, false);
        this.status = status;
        this.param = param;
        this.code = code;
    }

    static ApiException invalid(String param, String message) {
        return new ApiException(400, message, param, "invalid_request");
    }

    /**
     * The one place an encoder's input error becomes an HTTP answer: a prompt name the recipe lacks and a text over the
     * token limit are 422, dimensions beyond the encoder's and a text with no tokens are 400.
     */
    static ApiException of(EncoderInputException e) {
        return switch (e) {
            case UnknownPromptException u -> unprocessable("prompt_name", u.getMessage(), "validation");
            case TooManyTokensException t -> unprocessable("input", t.getMessage(), "context_length_exceeded");
            case DimensionTooLargeException d -> invalid("dimensions", d.getMessage());
            case EmptyTextException t -> invalid("input", t.getMessage());
            default -> invalid(null, e.getMessage());
        };
    }

    static ApiException unprocessable(String param, String message, String code) {
        return new ApiException(422, message, param, code);
    }
}

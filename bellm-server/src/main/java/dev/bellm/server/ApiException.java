package dev.bellm.server;

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

    static ApiException unprocessable(String param, String message, String code) {
        return new ApiException(422, message, param, code);
    }
}

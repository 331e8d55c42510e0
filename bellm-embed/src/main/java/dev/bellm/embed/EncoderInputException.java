package dev.bellm.embed;

/**
 * A request the encoder refuses because of its input (a text, a prompt name, a dimension), not because of the model or
 * the machine: a server answers it with a 4xx status. The subclasses say which rule the input broke.
 */
public class EncoderInputException extends IllegalArgumentException {
    public EncoderInputException(String message) {
        super(message);
    }
}
